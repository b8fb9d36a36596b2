import type { EndpointSpec } from './endpoints';

/** A request that cannot be sent as it stands: refused locally, before any call. */
export class RequestBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

/** The node's own setting for a field, evaluated for the message at hand; undefined when not set. */
export type FieldSetting = (name: string) => Promise<unknown>;

/**
 * The body for `endpoint`: each field from `payload` when it carries it (null included: `webhook: null` removes a
 * webhook), else from the node's setting. Fields the endpoint does not know are left out, so Plaid never answers
 * UNKNOWN_FIELDS for a payload that also carries other data.
 */
export async function buildRequestBody(endpoint: EndpointSpec, payload: unknown, setting: FieldSetting): Promise<Record<string, unknown>> {
  const fromPayload = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  const body: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const field of endpoint.fields) {
    const value = Object.hasOwn(fromPayload, field.name) && fromPayload[field.name] !== undefined ? fromPayload[field.name] : await setting(field.name);
    if (value !== undefined && !(value === null && field.kind !== 'nullable-url')) body[field.name] = value;
    else if (field.required) missing.push(field.name);
  }
  if (missing.length > 0) {
    const list = missing.join(', ');
    throw new RequestBodyError(`${endpoint.label}: missing ${list}: set ${missing.length > 1 ? 'them' : 'it'} in msg.payload or in the node`);
  }
  return body;
}
