'use strict';
// `npm test`: everything under test/ except the suites with their own commands (reliability, browser).
module.exports = {
  spec: ['test/**/*.test.js'],
  ignore: ['test/reliability/**', 'test/browser/**'],
  timeout: 20000,
  exit: true,
};
