import type { EndpointSpec, FieldSpec } from './endpoints';
import { withWebhookBase } from './webhook-url';

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

export interface ResolveOptions {
  /** Values that win over the payload and the settings (a token the store resolved). */
  fixed?: Readonly<Record<string, unknown>>;
  /** Values for fields that come up empty otherwise (the Item's client_user_id from its record). */
  fallback?: Readonly<Record<string, unknown>>;
  /** The endpoint's mode: fields of another mode are left out. */
  mode?: string;
  /** Where Plaid reaches this Node-RED: a webhook URL given as a path is sent with this in front. */
  webhookBase?: string;
}

/**
 * The values of `fields`, flat by name: each from `payload` when it carries it (null included: `webhook: null`
 * removes a webhook), else from the node's setting. Fields not listed, or of another mode, are left out, so Plaid
 * never answers UNKNOWN_FIELDS for a payload that also carries other data. A required field that comes up empty is
 * an error naming where it was looked for.
 */
export async function resolveFields(
  label: string,
  fields: readonly FieldSpec[],
  payload: unknown,
  settings: FieldSettings,
  { fixed = {}, fallback = {}, mode }: ResolveOptions = {},
): Promise<Record<string, unknown>> {
  const fromPayload = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const field of fields) {
    if (field.mode !== undefined && field.mode !== mode) continue;
    const inPayload = Object.hasOwn(fromPayload, field.name) && fromPayload[field.name] !== undefined;
    let value = Object.hasOwn(fixed, field.name) ? fixed[field.name] : inPayload ? fromPayload[field.name] : await settings.value(field.name);
    if (value === undefined) value = fallback[field.name] ?? undefined;
    if (value !== undefined && !(value === null && field.kind !== 'nullable-url')) values[field.name] = coerce(field, value);
    else if (field.required) missing.push(emptiness(field.name, inPayload ? `msg.payload.${field.name}` : settings.source(field.name), value));
  }
  if (missing.length > 0) throw new RequestBodyError(`${label}: ${missing.join('; ')}`);
  return values;
}

/** The endpoint's mode for this message (msg.payload.mode first, else the setting); undefined for a modeless one. */
export async function resolveMode(endpoint: EndpointSpec, payload: unknown, settings: FieldSettings): Promise<string | undefined> {
  if (!endpoint.mode) return undefined;
  const { [endpoint.mode.name]: mode } = await resolveFields(endpoint.label, [endpoint.mode], payload, settings);
  const values = endpoint.mode.values ?? [];
  if (typeof mode !== 'string' || !values.includes(mode)) {
    throw new RequestBodyError(`${endpoint.label}: ${endpoint.mode.name}: ${JSON.stringify(mode)} is not one of ${values.join(', ')}`);
  }
  return mode;
}

/** The body for `endpoint`: its request fields, resolved as resolveFields() does, each placed where Plaid wants it. */
export async function buildRequestBody(
  endpoint: EndpointSpec,
  payload: unknown,
  settings: FieldSettings,
  options: ResolveOptions = {},
): Promise<Record<string, unknown>> {
  const mode = options.mode ?? (await resolveMode(endpoint, payload, settings));
  const values = await resolveFields(endpoint.label, endpoint.fields, payload, settings, { ...options, mode });
  const body = placed(endpoint.fields, values);
  if (options.webhookBase === undefined || endpoint.webhookAt === undefined) return body;
  return withWebhookBase(body, endpoint.webhookAt, options.webhookBase);
}

/**
 * The flat values as Plaid's body: a field `in` an object goes into it; a `section` that is on sends its object
 * (its fields fill it), one that is off sends neither it nor them.
 */
function placed(fields: readonly FieldSpec[], values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const sections = new Map(fields.filter((f) => f.kind === 'section').map((f) => [f.name, sectionObject(values[f.name])]));
  for (const field of fields) {
    if (!Object.hasOwn(values, field.name)) continue;
    if (field.kind === 'section') {
      const object = sections.get(field.name);
      if (object) body[field.name] = { ...object, ...(body[field.name] as object | undefined) };
      continue;
    }
    if (field.in === undefined) {
      body[field.name] = values[field.name];
      continue;
    }
    if (sections.has(field.in) && !sections.get(field.in)) continue;
    body[field.in] = { ...(body[field.in] as object | undefined), [field.name]: values[field.name] };
  }
  return body;
}

/** A section's object: {} when switched on, a payload's own object as it is, undefined when off. */
function sectionObject(value: unknown): Record<string, unknown> | undefined {
  if (value === true || value === 'true') return {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return undefined;
}

/** A typedInput gives numbers as text where the setting is `str`: Plaid wants an integer there. */
function coerce(field: FieldSpec, value: unknown): unknown {
  if (field.kind === 'integer' && typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return value;
}

function emptiness(name: string, source: string | undefined, value: unknown): string {
  if (source === undefined) return `${name}: not in msg.payload and not set in the node: set it in one of them`;
  return `${name}: ${source} is ${value === null ? 'null' : 'undefined'}`;
}
