// Whether a message handed to send() reached the nodes it was wired to. Node-RED delivers it on the next turn of the
// event loop (setImmediate, queued by send()) and drops it if a deploy stopped those nodes in between; a node that
// must not lose the message (a webhook acknowledged to Plaid, a reminder recorded as sent) asks afterwards.

/** The running node of an id (RED.nodes.getNode). */
export type RunningNode = (id: string) => unknown;

/** Taken just before send(): the nodes wired to `output`, as they are running now. */
export function wiredTargets(node: object, output: number, runningNode: RunningNode): ReadonlyArray<readonly [string, unknown]> {
  const wires = (node as { wires?: string[][] }).wires ?? [];
  return (wires[output] ?? []).map((id) => [id, runningNode(id)] as const);
}

/**
 * Resolves on the turn after send(): true when every target is still the running node it was (a target not found
 * at all, under an id the lookup does not know, is not judged), false when a deploy replaced one.
 */
export function handedOff(targets: ReadonlyArray<readonly [string, unknown]>, runningNode: RunningNode): Promise<boolean> {
  return new Promise((resolve) => {
    setImmediate(() => resolve(targets.every(([id, target]) => !target || runningNode(id) === target)));
  });
}
