'use strict';
// Bundles the extension (client), the language server and the CLI into dist/ so the .vsix carries no node_modules.
const esbuild = require('esbuild');

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: false, minify: true, logLevel: 'warning' };

Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' }),
  // Interactive docs need swagger-ui's static files: not bundled, so /docs is off when they are missing.
  esbuild.build({ ...common, entryPoints: ['server/src/cli/bin.ts'], outfile: 'dist/cli.js', external: ['@fastify/swagger', '@fastify/swagger-ui'] }),
]).catch((e) => {
  console.error(e);
  process.exit(1);
});
