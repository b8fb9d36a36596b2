// Reading a request's bytes ourselves, with a size limit: a signature covers the bytes Plaid sent, and a body that
// a JSON parser has consumed and an app re-serialised would no longer match.
import type { IncomingMessage } from 'node:http';

export type RawBody = { bytes: Buffer } | { tooLarge: true };

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `apiMaxLength` as Node-RED takes it: a number of bytes or a string such as '5mb'; `fallback` when unreadable. */
export function parseByteSize(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value) : null;
  if (!match) return fallback;
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]);
}

/** The whole body, or `tooLarge` as soon as it (or its declared length) passes `limit`; the rest is then discarded. */
export function readRawBody(req: IncomingMessage, limit: number): Promise<RawBody> {
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.resolve({ tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      req.resume();
      resolve({ tooLarge: true });
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
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
