'use strict';
// Reads Prometheus' text exposition format (what GET /plaid-items/metrics answers) into families and samples, so
// tests can assert on values by name and labels.

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(value) {
  return value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
}

/**
 * @param {string} text
 * @returns {{families: Map<string, {help: string, type: string}>, samples: Array<{name: string, labels: Record<string, string>, value: number}>}}
 */
function parseExposition(text) {
  const families = new Map();
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const family = families.get(meta[2]) ?? { help: '', type: '' };
      family[meta[1] === 'HELP' ? 'help' : 'type'] = meta[3];
      families.set(meta[2], family);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    /** @type {Record<string, string>} */
    const labels = {};
    if (match[2]) {
      LABEL.lastIndex = 0;
      let label;
      while (LABEL.lastIndex < match[2].length && (label = LABEL.exec(match[2]))) labels[label[1]] = unescape(label[2]);
      if (LABEL.lastIndex !== match[2].length) throw new Error(`unreadable labels: ${line}`);
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { families, samples };
}

/** The samples named `name` whose labels include `labels`. */
function samplesOf(parsed, name, labels = {}) {
  return parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
}

/** The value of the one sample named `name` with these labels; fails when there is not exactly one. */
function valueOf(parsed, name, labels = {}) {
  const found = samplesOf(parsed, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}: ${JSON.stringify(found)}`);
  return found[0].value;
}

module.exports = { parseExposition, samplesOf, valueOf };
