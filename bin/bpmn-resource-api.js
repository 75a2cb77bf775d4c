#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** A bundle of dist/ when it is at least as new as the compiled module it was built from (npm run build makes both). */
function fresh(bundle, compiled) {
  try {
    return fs.statSync(path.join(ROOT, bundle)).mtimeMs >= fs.statSync(path.join(ROOT, compiled)).mtimeMs ? path.join(ROOT, bundle) : undefined;
  } catch {
    return undefined; // not bundled (or not compiled): the compiled CLI
  }
}

/**
 * Start-up matters: editors spawn `lsp` for every window and CI runs `check` per file. One bundled file
 * loads about 20-40 ms faster than the many modules of out/ and node_modules (npm run bench, startup):
 * `lsp` with a transport starts dist/server.js, and check, routes, model and requests run from
 * dist/cli-main.js. serve and openapi (the HTTP server, the engine) stay on the compiled CLI.
 */
const [command, ...rest] = process.argv.slice(2);
const transport = rest.some((a) => a === '--stdio' || /^--(node-ipc|socket|pipe)/.test(a));
const server = command === 'lsp' && transport ? fresh('dist/server.js', 'out/server/src/lsp/server.js') : undefined;
if (server) {
  require(server);
} else {
  const light = command !== 'serve' && command !== 'openapi' && command !== 'lsp' ? fresh('dist/cli-main.js', 'out/server/src/cli/main.js') : undefined;
  const { main } = require(light ?? '../out/server/src/cli/index.js');
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
