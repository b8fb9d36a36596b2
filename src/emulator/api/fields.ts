// Request field rules and their check. An endpoint's table is written once; the request type its handler sees is
// derived from it (RequestOf), so a handler cannot read a field the table does not declare. Plaid reports the first
// class of problem it finds: missing fields, then unknown fields, then invalid values; the emulator does the same.
import { errors } from './errors';

interface RuleBase {
  readonly required?: boolean;
  /** null is a value of its own (e.g. webhook: null removes the webhook); otherwise null counts as absent. */
  readonly nullable?: boolean;
}

export interface StringRule extends RuleBase {
  readonly type: 'string';
  readonly enum?: readonly string[];
  readonly format?: 'url' | 'date';
  readonly minLength?: number;
  readonly maxLength?: number;
}
export interface IntegerRule extends RuleBase {
  readonly type: 'integer';
  readonly minimum?: number;
  readonly maximum?: number;
}
export interface BooleanRule extends RuleBase {
  readonly type: 'boolean';
}
/** Any JSON value; whoever consumes the field checks it. */
export interface AnyRule extends RuleBase {
  readonly type: 'any';
}
export interface ArrayRule extends RuleBase {
  readonly type: 'array';
  readonly items: FieldRule;
  readonly minItems?: number;
}
/** `open`: keys beyond `fields` are allowed (the control API's free-form webhook payload fields). */
export interface ObjectRule extends RuleBase {
  readonly type: 'object';
  readonly fields: FieldTable;
  readonly open?: boolean;
}

export type FieldRule = StringRule | IntegerRule | BooleanRule | AnyRule | ArrayRule | ObjectRule;

export type FieldTable = { readonly [name: string]: FieldRule };

/** A JSON object as parsed from a request body. */
export type JsonObject = Record<string, unknown>;

/** The value a rule admits (null aside). */
type ValueOf<R> =
  R extends { type: 'string'; enum: readonly (infer E)[] } ? E
    : R extends { type: 'string' } ? string
      : R extends { type: 'integer' } ? number
        : R extends { type: 'boolean' } ? boolean
          : R extends { type: 'array'; items: infer I } ? Array<ValueOf<I>>
            : R extends { type: 'object'; fields: infer F extends FieldTable; open: true } ? RequestOf<F> & JsonObject
              : R extends { type: 'object'; fields: infer F extends FieldTable } ? RequestOf<F>
                : unknown;

type RequiredNames<T extends FieldTable> = { [K in keyof T]: T[K] extends { required: true } ? K : never }[keyof T];

/**
 * The request a body has once checkFields(table) passed. Optional fields may also be null: for a non-nullable rule
 * null counts as absent, and the handler treats it so (`??`, `?.`).
 */
export type RequestOf<T extends FieldTable> = {
  -readonly [K in RequiredNames<T>]: ValueOf<T[K]>;
} & {
  -readonly [K in Exclude<keyof T, RequiredNames<T>>]?: ValueOf<T[K]> | null;
};

interface Problems {
  missing: string[];
  unknown: string[];
  invalid: string[];
}

/**
 * Throws the Plaid error for the first class of problem in `body`; returns quietly if the body fits `table` plus
 * `extra` (fields accepted and checked, such as client_id and secret, that the handler does not read).
 */
export function checkFields<T extends FieldTable>(
  table: T,
  body: JsonObject,
  extra: FieldTable = {},
): asserts body is JsonObject & RequestOf<T> {
  const problems: Problems = { missing: [], unknown: [], invalid: [] };
  checkObject({ ...extra, ...table }, body, '', problems);
  if (problems.missing.length > 0) throw errors.missingFields(problems.missing);
  if (problems.unknown.length > 0) throw errors.unknownFields(problems.unknown);
  if (problems.invalid.length > 0) throw errors.invalidField(problems.invalid.join('; '));
}

/** A handler of raw JSON bodies that checks them against `table` and hands the typed request to `handle`. */
export function checkedHandler<T extends FieldTable, Context, Result>(
  table: T,
  handle: (context: Context, request: RequestOf<T>) => Result,
  extra: FieldTable = {},
): (context: Context, body: JsonObject) => Result {
  return (context, body) => {
    checkFields(table, body, extra);
    return handle(context, body);
  };
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
  for (const [name, rule] of Object.entries(table)) {
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
      } else if (rule.minLength !== undefined && value.length < rule.minLength) {
        problems.invalid.push(`${path} must be at least ${rule.minLength} characters`);
      } else if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        problems.invalid.push(`${path} must be at most ${rule.maxLength} characters`);
      } else if (rule.format === 'url' && !isHttpUrl(value)) {
        problems.invalid.push(`${path} must be a valid http or https URL`);
      } else if (rule.format === 'date' && !isIsoDate(value)) {
        problems.invalid.push(`${path} must be a date in the format YYYY-MM-DD`);
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        problems.invalid.push(`${path} must be an integer`);
      } else if ((rule.minimum !== undefined && value < rule.minimum)
        || (rule.maximum !== undefined && value > rule.maximum)) {
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

/** An absolute http: or https: URL (the only kind a webhook may go to, or the Hosted Link page may send a browser to). */
export function isHttpUrl(value: string): boolean {
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
