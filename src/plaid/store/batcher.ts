// Work asked for together costs one round trip to the backend: what is asked for while a batch is on its way waits,
// and goes with the others as the next batch. One batch is in flight at a time, so work asked for earlier reaches
// the backend no later than work asked for after it. Work asked for while nothing is in flight waits for the end of
// the current turn of the event loop only (to go with the rest arriving in it), or not at all when it says so.

interface Waiting<In, Out> {
  input: In;
  resolve: (output: Out) => void;
  reject: (err: unknown) => void;
}

export class Batcher<In, Out> {
  readonly #run: (inputs: In[]) => Promise<Out[]>;
  readonly #maxBatch: number;
  #waiting: Array<Waiting<In, Out>> = [];
  #inFlight = false;
  #scheduled = false;

  /** `run` does a batch, resolving to one output per input, in order; at most `maxBatch` inputs each. */
  constructor(run: (inputs: In[]) => Promise<Out[]>, maxBatch: number) {
    this.#run = run;
    this.#maxBatch = maxBatch;
  }

  /** `now`: goes at once when nothing is in flight (rather than at the end of this turn). */
  add(input: In, now = false): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      if (now) void this.#flush();
      else this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight || !this.#waiting.length) return;
    const batch = this.#waiting.splice(0, this.#maxBatch);
    this.#inFlight = true;
    try {
      const outputs = await this.#run(batch.map((waiting) => waiting.input));
      batch.forEach((waiting, i) => waiting.resolve(outputs[i]));
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    } finally {
      this.#inFlight = false;
    }
    // What arrived meanwhile has waited long enough: it goes at once.
    void this.#flush();
  }
}
