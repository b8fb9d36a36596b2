// Reading request bodies and writing JSON answers, kept lean: this is the per-request path the benchmark measures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type PlaidApiError } from '../api/errors';
import { isJsonObject, type JsonObject } from '../api/fields';

/** Plaid bodies are small; anything larger is refused rather than buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The raw body, or null when it exceeded MAX_BODY_BYTES (the rest is drained, not kept). */
export function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    // Buffer.concat of a single chunk would copy it; most Plaid bodies arrive in one.
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The request's JSON object, or Plaid's INVALID_BODY (wrong content type, bad JSON, not an object, too large). */
export function parseJsonObject(request: IncomingMessage, raw: Buffer | null): JsonObject {
  if (raw === null) throw errors.invalidBody('body is too large');
  const contentType = request.headers['content-type'];
  if (!contentType || !/^application\/json\b/i.test(contentType)) {
    throw errors.invalidBody('content-type must be application/json');
  }
  return jsonObjectOf(raw);
}

/** The bytes as a JSON object, or Plaid's INVALID_BODY. */
export function jsonObjectOf(raw: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw errors.invalidBody('body could not be parsed as JSON');
  }
  if (!isJsonObject(parsed)) throw errors.invalidBody('body must be a JSON object');
  return parsed;
}

export function sendJson(response: ServerResponse, status: number, body: object, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendPlaidError(response: ServerResponse, error: PlaidApiError, requestId: string): void {
  sendJson(response, error.status, error.toBody(requestId), error.headers);
}
