'use strict';
// Shared by every mocha run. `npm test` names its folders; the reliability and browser suites have their own
// commands and configs. `npx mocha test/emulator` runs one folder.
module.exports = {
  timeout: 20000,
  exit: true,
};
