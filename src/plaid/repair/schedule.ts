// The reminders setting of plaid-item-repair: delays after the first notice, such as `1d, 3d`. Read by the node and,
// inlined by the build, by its edit dialog, so both accept exactly the same text (this file requires nothing).

/** The units a delay may have, in ms. */
export const DELAY_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DEFAULT_REMINDERS = '1d, 3d';

/**
 * The delays in ms, each after the first notice, soonest first: `1d, 3d` is a reminder a day after the notice and one
 * three days after it. Separated by commas or spaces; each a positive number and a unit (s, m, h, d). Empty: no
 * reminder. Throws an Error saying what is wrong.
 */
export function parseReminders(text: unknown): number[] {
  if (typeof text !== 'string') throw new Error('reminders must be text such as "1d, 3d"');
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  const delays: number[] = [];
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)([a-z])$/i.exec(part);
    const unit = match ? DELAY_UNITS[match[2].toLowerCase()] : undefined;
    if (!match || unit === undefined) throw new Error(`reminders: "${part}" is not a delay such as 12h (units s, m, h, d)`);
    const ms = Math.round(Number(match[1]) * unit);
    if (ms <= 0) throw new Error(`reminders: "${part}" is not after the notice`);
    if (ms > 366 * DELAY_UNITS.d) throw new Error(`reminders: "${part}" is more than a year after the notice`);
    const previous = delays[delays.length - 1];
    if (previous !== undefined && ms <= previous) throw new Error(`reminders: "${part}" does not come after the delay before it (each counts from the first notice)`);
    delays.push(ms);
  }
  return delays;
}

/** Whether `text` is a valid reminders setting (the dialog's check). */
export function validReminders(text: unknown): boolean {
  try {
    parseReminders(text);
    return true;
  } catch {
    return false;
  }
}
