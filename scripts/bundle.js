'use strict';
// Bundles the extension (client), the language server and the CLI into dist/ so the .vsix carries no node_modules.
const esbuild = require('esbuild');

const fs = require('node:fs');
const path = require('node:path');

/**
 * /docs of the API started from the .vsix: @fastify/swagger-ui is bundled into cli.js, its page's static files
 * (the browser bundle, the preset, the styles; not the unbundled swagger-ui.js, not source maps) go to
 * dist/swagger-ui, which the facade hands to the plugin as its baseDir.
 */
async function copySwaggerUi() {
  const from = path.join(path.dirname(require.resolve('@fastify/swagger-ui/package.json')), 'static');
  const to = path.join('dist', 'swagger-ui');
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    if (f === 'swagger-ui.js' || f.endsWith('.map')) continue;
    fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
}

/**
 * The diagram view's webview files: bpmn-js's NavigatedViewer (its production bundle and styles; bpmn.io's
 * licence keeps its watermark), and our script and styles from client/media. Nothing is fetched at run time.
 */
function copyDiagram() {
  const bpmnJs = path.join(path.dirname(require.resolve('bpmn-js/package.json')), 'dist');
  const to = path.join('dist', 'diagram');
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  fs.copyFileSync(path.join(bpmnJs, 'bpmn-navigated-viewer.production.min.js'), path.join(to, 'bpmn-navigated-viewer.production.min.js'));
  for (const f of ['diagram-js.css', 'bpmn-js.css']) fs.copyFileSync(path.join(bpmnJs, 'assets', f), path.join(to, f));
  for (const f of ['diagram.js', 'diagram.css']) fs.copyFileSync(path.join('client', 'media', f), path.join(to, f));
  fs.copyFileSync(path.join(bpmnJs, '..', 'LICENSE'), path.join(to, 'bpmn-js-LICENSE.txt'));
}

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: false, minify: true, logLevel: 'error' };

Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/cli/bin.ts'], outfile: 'dist/cli.js' }),
  // check, routes, model and requests in one small file for bin/bpmn-resource-api.js (start-up: one file to
  // load instead of the many of out/); serve, openapi and lsp are required lazily and never reached from it.
  esbuild.build({ ...common, entryPoints: ['server/src/cli/index.ts'], outfile: 'dist/cli-main.js', external: ['./serve', '../lsp/server'] }),
  copySwaggerUi(),
  copyDiagram(),
]).catch((e) => {
  console.error(e);
  process.exit(1);
});
