#!/usr/bin/env node
'use strict';
const { main } = require('../out/server/src/cli/index.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bpmn-resource-api: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 3;
  },
);
