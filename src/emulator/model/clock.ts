// The emulator's notion of time. Injectable (start({now})) so tests can age public tokens and rate-limit windows,
// and advanceable (control API /emulator/clock/advance) so CLI users can do the same.

export interface Clock {
  /** Milliseconds since the epoch, as the emulator sees it. */
  now(): number;
  /** Moves the emulator's time forward (or back, with a negative value). */
  advance(ms: number): void;
}

export function createClock(source: () => number = Date.now): Clock {
  let offsetMs = 0;
  return {
    now: () => source() + offsetMs,
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}

export const isoTime = (ms: number) => new Date(ms).toISOString();
export const epochSeconds = (ms: number) => Math.floor(ms / 1000);
