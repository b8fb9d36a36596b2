// Request field checking against a small per-endpoint table (field-tables.ts). Plaid reports the first class of
// problem it finds: missing fields, then unknown fields, then invalid values; the emulator does the same.
import { errors } from './errors';

interface RuleBase {
  required?: boolean;
  /** null is a value of its own (e.g. webhook: null removes the webhook); otherwise null counts as absent. */
  nullable?: boolean;
}

export type FieldRule =
  | (RuleBase & { type: 'string'; enum?: readonly string[]; format?: 'url' | 'date'; maxLength?: number })
  | (RuleBase & { type: 'integer'; minimum?: number; maximum?: number })
  | (RuleBase & { type: 'boolean' })
  /** Any JSON value; whoever consumes the field checks it. */
  | (RuleBase & { type: 'any' })
  | (RuleBase & { type: 'array'; items: FieldRule; minItems?: number })
  /** `open`: keys beyond `fields` are allowed (the control API's free-form webhook payload fields). */
  | (RuleBase & { type: 'object'; fields: FieldTable; open?: boolean });

export type FieldTable = Readonly<Record<string, FieldRule>>;

/** A JSON object as parsed from a request body. */
export type JsonObject = Record<string, unknown>;

interface Problems {
  missing: string[];
  unknown: string[];
  invalid: string[];
}

/** Throws the Plaid error for the first class of problem in `body`; returns quietly if the body fits `table`. */
export function checkFields(table: FieldTable, body: JsonObject): void {
  const problems: Problems = { missing: [], unknown: [], invalid: [] };
  checkObject(table, body, '', problems);
  if (problems.missing.length > 0) throw errors.missingFields(problems.missing);
  if (problems.unknown.length > 0) throw errors.unknownFields(problems.unknown);
  if (problems.invalid.length > 0) throw errors.invalidField(problems.invalid.join('; '));
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

function checkObject(table: FieldTable, body: JsonObject, prefix: string, problems: Problems, open = false): void {
  if (!open) {
    for (const key in body) {
      if (!hasOwn(table, key)) problems.unknown.push(prefix + key);
    }
  }
  for (const name in table) {
    const rule = table[name]!;
    const value = hasOwn(body, name) ? body[name] : undefined;
    if (value === undefined || (value === null && !rule.nullable)) {
      if (rule.required) problems.missing.push(prefix + name);
      continue;
    }
    if (value !== null) checkValue(rule, value, prefix + name, problems);
  }
}

function checkValue(rule: FieldRule, value: unknown, path: string, problems: Problems): void {
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') {
        problems.invalid.push(`${path} must be a string`);
      } else if (rule.enum && !rule.enum.includes(value)) {
        problems.invalid.push(`${path} must be one of: ${rule.enum.join(', ')}`);
      } else if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        problems.invalid.push(`${path} must be at most ${rule.maxLength} characters`);
      } else if (rule.format === 'url' && !isHttpUrl(value)) {
        problems.invalid.push(`${path} must be a valid http or https URL`);
      } else if (rule.format === 'date' && !isIsoDate(value)) {
        problems.invalid.push(`${path} must be a date in the format YYYY-MM-DD`);
      }
      return;
    case 'integer':
      if (!Number.isInteger(value)) {
        problems.invalid.push(`${path} must be an integer`);
      } else if ((rule.minimum !== undefined && (value as number) < rule.minimum)
        || (rule.maximum !== undefined && (value as number) > rule.maximum)) {
        problems.invalid.push(`${path} must be between ${rule.minimum ?? '-inf'} and ${rule.maximum ?? 'inf'}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.invalid.push(`${path} must be a boolean`);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.invalid.push(`${path} must be an array`);
        return;
      }
      if (rule.minItems !== undefined && value.length < rule.minItems) {
        problems.invalid.push(`${path} must contain at least ${rule.minItems} item(s)`);
      }
      value.forEach((item: unknown, index) => {
        if (item === null || item === undefined) problems.invalid.push(`${path}[${index}] must not be null`);
        else checkValue(rule.items, item, `${path}[${index}]`, problems);
      });
      return;
    case 'any':
      return;
    case 'object':
      if (!isJsonObject(value)) problems.invalid.push(`${path} must be an object`);
      else checkObject(rule.fields, value, `${path}.`, problems, rule.open);
      return;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}
