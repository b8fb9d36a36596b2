// Reading a webhook request's bytes ourselves: a signature covers the bytes Plaid sent, and a body that a JSON parser
// has consumed and an app re-serialised would no longer match. A body past the size limit or the deadline is read no
// further (and one the node refuses from its headers is not read at all): refused bodies are left unread, so the
// answer must close the connection.
import type { IncomingMessage } from 'node:http';
import { WebhookRejection } from '../../plaid/webhook/rejection';

export type RawBody = { bytes: Buffer } | { refused: WebhookRejection };

/**
 * How long a body may take to arrive once its headers have. Plaid gives up on an answer after 10 s, and sends a few
 * KB at once; a client dripping bytes would otherwise hold a connection (and its buffer) for Node's 300 s default.
 */
export const BODY_READ_DEADLINE_MS = 5_000;

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `apiMaxLength` as Node-RED takes it: a number of bytes or a string such as '5mb'; `fallback` when unreadable. */
export function parseByteSize(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value) : null;
  if (!match) return fallback;
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]);
}

const tooLarge = (limit: number): WebhookRejection => new WebhookRejection(413, `body larger than ${limit} bytes`);

/** The 413 for a request whose Content-Length passes `limit`, else undefined: known before a byte is read. */
export function declaredTooLarge(req: IncomingMessage, limit: number): WebhookRejection | undefined {
  return Number(req.headers['content-length']) > limit ? tooLarge(limit) : undefined;
}

/**
 * The whole body, or why it was refused: its declared or actual size passing `limit`, or its last byte not arriving
 * by `deadlineAt` (epoch ms).
 */
export function readRawBody(req: IncomingMessage, limit: number, deadlineAt: number): Promise<RawBody> {
  const declared = declaredTooLarge(req, limit);
  if (declared) return Promise.resolve({ refused: declared });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      clearTimeout(deadline);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const refuse = (body: RawBody): void => {
      stop();
      req.pause();
      resolve(body);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else refuse({ refused: tooLarge(limit) });
    };
    const onEnd = (): void => {
      stop();
      resolve({ bytes: Buffer.concat(chunks, size) });
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    const onClose = (): void => onError(new Error('request aborted before its body was complete'));
    const deadline = setTimeout(
      () => refuse({ refused: new WebhookRejection(408, `body not complete within ${BODY_READ_DEADLINE_MS} ms`) }),
      Math.max(0, deadlineAt - Date.now()),
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
