#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * `lsp` with a transport starts the bundled language server (dist/server.js, one file) when it is at least
 * as new as the compiled one: editors spawn it for every window, and the many modules of out/ and
 * node_modules cost about 40 ms more to load (npm run bench, startup). Otherwise the compiled CLI.
 */
function bundledServer() {
  const args = process.argv.slice(3);
  if (process.argv[2] !== 'lsp' || !args.some((a) => a === '--stdio' || /^--(node-ipc|socket|pipe)/.test(a))) return undefined;
  const bundled = path.join(__dirname, '..', 'dist', 'server.js');
  try {
    const compiled = path.join(__dirname, '..', 'out', 'server', 'src', 'lsp', 'server.js');
    if (fs.existsSync(compiled) && fs.statSync(bundled).mtimeMs < fs.statSync(compiled).mtimeMs) return undefined;
    return bundled;
  } catch {
    return undefined; // not bundled: the compiled server
  }
}

const server = bundledServer();
if (server) {
  require(server);
} else {
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
}
