// The node's status ring (received / rejected counts) and its warnings, both throttled: a burst of deliveries, or
// of forgeries, must not become a burst of editor updates and log lines.
import type { Node } from 'node-red';

const STATUS_EVERY_MS = 250;
const WARN_EVERY_MS = 10_000;

/** The node's locale texts: `key` below `plaid-webhook-in.` (status.listening, errors.answered, ...). */
export type WebhookInText = (key: string, data?: Record<string, string | number>) => string;

export class DeliveryStatus {
  private received = 0;
  private rejected = 0;
  private lastWasRejected = false;
  private timer: NodeJS.Timeout | undefined;
  private lastWarnAt = -Infinity;
  private suppressedWarnings = 0;

  /** `unverified`: verification is off, so the ring stays yellow whatever happens. */
  constructor(private readonly node: Node, private readonly text: WebhookInText, private readonly unverified: boolean) {
    node.status({ fill: unverified ? 'yellow' : 'green', shape: 'ring', text: text(unverified ? 'status.unverified' : 'status.listening') });
  }

  /** Deliveries refused since the node started. */
  get rejectedCount(): number {
    return this.rejected;
  }

  accepted(): void {
    this.received++;
    this.lastWasRejected = false;
    this.schedule();
  }

  rejectedDelivery(): void {
    this.rejected++;
    this.lastWasRejected = true;
    this.schedule();
  }

  /** A problem that stops the node working at all; `key` is its status text's (status.noPath, ...). */
  fail(key: string): void {
    this.stop();
    this.node.status({ fill: 'red', shape: 'ring', text: this.text(key) });
  }

  /** At most one warning per 10 s; the next one says how many were held back. */
  warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) {
      this.suppressedWarnings++;
      return;
    }
    const held = this.suppressedWarnings ? this.text('errors.heldBack', { count: this.suppressedWarnings }) : '';
    this.node.warn(message + held);
    this.lastWarnAt = now;
    this.suppressedWarnings = 0;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const fill = this.unverified ? 'yellow' : this.lastWasRejected ? 'red' : 'green';
      this.node.status({ fill, shape: 'ring', text: this.text('status.counts', { received: this.received, rejected: this.rejected }) });
    }, STATUS_EVERY_MS);
  }
}
