'use strict';
// The one body reader of the test and benchmark servers and clients: a request's (or a response's) bytes, whole.

/** Resolves to every byte of `stream` once it ends; rejects if it fails first (e.g. a request aborted mid-body). */
function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A request listener for node:http that calls `handler(req, res, body)` once the body is in; an aborted one is dropped. */
function withBody(handler) {
  return (req, res) => {
    // A request that breaks off, or a handler that fails, ends the connection: nothing is left unhandled.
    readBody(req).then((body) => handler(req, res, body)).catch(() => res.destroy());
  };
}

module.exports = { readBody, withBody };
