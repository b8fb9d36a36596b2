import type { EndpointSpec, FieldSpec } from './endpoints';

/** A request that cannot be sent as it stands: refused locally, before any call. */
export class RequestBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

/** The node's own settings, evaluated for the message at hand. */
export interface FieldSettings {
  /** The setting's value for `name`; undefined when it is unset or comes up empty. */
  value(name: string): Promise<unknown>;
  /**
   * Where the setting reads its value (`global.plaid_tokens[msg.item_id]`), so an error can name what came up
   * empty; undefined when the node leaves the field unset or sets a fixed value.
   */
  source(name: string): string | undefined;
}

/**
 * The values of `fields`: each from `payload` when it carries it (null included: `webhook: null` removes a webhook),
 * else from the node's setting; `fixed` values (a token the store resolved) win over both. Fields not listed are left
 * out, so Plaid never answers UNKNOWN_FIELDS for a payload that also carries other data. A required field that comes
 * up empty is an error naming where it was looked for.
 */
export async function resolveFields(
  label: string,
  fields: readonly FieldSpec[],
  payload: unknown,
  settings: FieldSettings,
  fixed: Readonly<Record<string, unknown>> = {},
): Promise<Record<string, unknown>> {
  const fromPayload = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const field of fields) {
    const inPayload = Object.hasOwn(fromPayload, field.name) && fromPayload[field.name] !== undefined;
    const value = Object.hasOwn(fixed, field.name) ? fixed[field.name] : inPayload ? fromPayload[field.name] : await settings.value(field.name);
    if (value !== undefined && !(value === null && field.kind !== 'nullable-url')) values[field.name] = value;
    else if (field.required) missing.push(emptiness(field.name, inPayload ? `msg.payload.${field.name}` : settings.source(field.name), value));
  }
  if (missing.length > 0) throw new RequestBodyError(`${label}: ${missing.join('; ')}`);
  return values;
}

/** The body for `endpoint`: its request fields, resolved as resolveFields() does. */
export function buildRequestBody(
  endpoint: EndpointSpec,
  payload: unknown,
  settings: FieldSettings,
  fixed?: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  return resolveFields(endpoint.label, endpoint.fields, payload, settings, fixed);
}

function emptiness(name: string, source: string | undefined, value: unknown): string {
  if (source === undefined) return `${name}: not in msg.payload and not set in the node: set it in one of them`;
  return `${name}: ${source} is ${value === null ? 'null' : 'undefined'}`;
}
