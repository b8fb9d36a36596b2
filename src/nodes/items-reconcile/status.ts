// plaid-items-reconcile's status ring: progress during a sweep ("412/3,000"), redrawn at most once a second (a ring
// is a message to every open editor), then the sweep's summary.
import type { Node } from 'node-red';
import type { SweepSummary } from '../../plaid/reconcile/sweep';

const REDRAW_EVERY_MS = 1000;

type Text = (key: string, values?: Record<string, string>) => string;

/** 3000 → "3,000", as the ring shows counts (one formatter: making one per call is costly). */
const grouped = new Intl.NumberFormat('en-US');
const count = (n: number): string => grouped.format(n);

export class SweepRing {
  #drawnAt = -Infinity;

  constructor(private readonly node: Node, private readonly text: Text, private readonly now: () => number = Date.now) {}

  progress(done: number, total: number, pausedUntil: number): void {
    const now = this.now();
    if (done < total && now - this.#drawnAt < REDRAW_EVERY_MS) return;
    this.#drawnAt = now;
    const values = { done: count(done), total: count(total) };
    if (pausedUntil > now) this.node.status({ fill: 'yellow', shape: 'ring', text: this.text('status.paused', values) });
    else this.node.status({ fill: 'blue', shape: 'dot', text: this.text('status.progress', values) });
  }

  summary(summary: SweepSummary): void {
    const values = { changed: count(summary.changed), checked: count(summary.checked), failed: count(summary.failed) };
    if (summary.failed > 0) this.node.status({ fill: 'yellow', shape: 'dot', text: this.text('status.doneWithFailures', values) });
    else this.node.status({ fill: 'green', shape: 'dot', text: this.text('status.done', values) });
  }

  alreadyRunning(): void {
    this.node.status({ fill: 'grey', shape: 'ring', text: this.text('status.alreadyRunning') });
  }

  failed(code: string | undefined): void {
    this.node.status({ fill: 'red', shape: 'ring', text: code ?? this.text('status.stopped') });
  }

  clear(): void {
    this.#drawnAt = -Infinity;
    this.node.status({});
  }
}
