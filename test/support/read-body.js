'use strict';
// The one body reader of the test and benchmark servers: a request's (or a response's) bytes, whole.

/** Resolves to every byte of `stream` once it ends. */
function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

module.exports = { readBody };
