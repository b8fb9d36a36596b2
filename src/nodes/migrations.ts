// Node settings versions. Every node of the package saves `settingsVersion`; a node saved before versions existed
// reads as version 0. Settings of an older version are brought up to SETTINGS_VERSION by the steps below, in the
// runtime (each node's constructor, before createNode) and in the editor (oneditprepare; the build inlines this
// file, so it imports nothing), so a deployed flow keeps meaning what it meant when it was saved.
//
// Outputs are wired by index: a new output is APPENDED after the existing ones, never inserted. Where a new output
// must come before a catch-all one (plaid-webhook-in's "other" is last), the step's `outputs` moves the old wires to
// their new index, in the runtime and in the editor alike.

export interface MigrationStep {
  /** The settings of the next version from those of this one (pure: a new object, the old one untouched). */
  settings?: (old: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** For each output index of the old version, its index in the next one: the wires follow. */
  outputs?: readonly number[];
}

/** What turns a type's settings of version v - 1 into version v, for each node type that changes then. */
export type MigrationTable = ReadonlyArray<Readonly<Record<string, MigrationStep>>>;

/** STEPS[v - 1]: from version v - 1 to v. A node type absent from a step keeps its settings (and gets the version). */
export const STEPS: MigrationTable = [
  // 1: the first versioned settings. Nothing changes but the version itself.
  {},
];

/** The version new nodes are saved with. */
export const SETTINGS_VERSION = STEPS.length;

/** The version settings were saved with: 0 for a node from before versions existed. */
export function settingsVersionOf(settings: { settingsVersion?: unknown }): number {
  const version = Number(settings.settingsVersion ?? 0);
  return Number.isInteger(version) && version > 0 ? version : 0;
}

/** Where each output of version `from` ends up at the current version, or undefined when none moves. */
export function outputMoves(type: string, from: number, steps: MigrationTable = STEPS): number[] | undefined {
  let moves: number[] | undefined;
  for (let version = from; version < steps.length; version++) {
    const step = steps[version][type]?.outputs;
    if (!step) continue;
    moves = moves ? moves.map((index) => step[index] ?? index) : [...step];
  }
  return moves;
}

/** `wires` (one list per output) with each output's list at its new index; new outputs start unwired. */
export function moveWires<W>(wires: readonly W[][], moves: readonly number[]): W[][] {
  const width = Math.max(wires.length, ...moves.map((index) => index + 1));
  const moved: W[][] = Array.from({ length: width }, () => []);
  wires.forEach((list, index) => {
    moved[moves[index] ?? index] = [...list];
  });
  return moved;
}

/**
 * The settings brought up to the current version (a new object; `settings` is untouched). Settings already at the
 * current version come back as they are, as do those of a newer version (saved by a newer release: nothing here
 * knows how to read them back, and guessing would be worse than using them as saved).
 */
export function migrate<S extends object>(type: string, settings: S, steps: MigrationTable = STEPS): S {
  const saved: { settingsVersion?: unknown; wires?: unknown } = settings;
  const from = settingsVersionOf(saved);
  if (from >= steps.length) return settings;
  let current: Record<string, unknown> = { ...(settings as Record<string, unknown>) };
  for (let version = from; version < steps.length; version++) {
    const change = steps[version][type]?.settings;
    if (change) current = { ...change(current) };
  }
  const moves = outputMoves(type, from, steps);
  if (moves && Array.isArray(saved.wires)) current.wires = moveWires(saved.wires as unknown[][], moves);
  current.settingsVersion = steps.length;
  // What the runtime hangs on a node's settings out of sight (Node-RED's `_flow`, ...) stays with them.
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(settings))) {
    if (!descriptor.enumerable) Object.defineProperty(current, key, descriptor);
  }
  return current as S;
}
