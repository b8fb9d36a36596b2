// Node 22 calls node:sqlite experimental, once per process, on stderr: the store CLIs' stderr is for their own
// errors. Every other warning is printed as Node would. Imported first, before anything loads node:sqlite.
const printWarning = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/.test(warning.message)) return;
  for (const print of printWarning) print.call(process, warning);
});
