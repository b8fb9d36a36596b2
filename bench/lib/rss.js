'use strict';
// A process's resident set size, read from /proc (Linux only; elsewhere null), and its peak over a stretch of time.
const fs = require('node:fs');

/** RSS of `pid` in bytes, or null. */
function rssOf(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of `pid` every `everyMs`; stop() gives the highest reading (null without /proc). */
function peakRss(pid, everyMs = 100) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    const now = rssOf(pid);
    if (now !== null && (peak === null || now > peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

module.exports = { rssOf, peakRss };
