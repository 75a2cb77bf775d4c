/**
 * The .vsix as users install it: packaged by vsce, within the 3 MB budget (bpmn-js's viewer included), and its bundled CLI (not the
 * project's node_modules) serves the example with working /docs. Prints `N passed, N failed` for .ci/run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import JSZip from 'jszip';
import { EXAMPLE, ROOT, spawnServe, tempDir } from '../helpers';
import { checkList, runMain } from './browser';

const LIMIT = 3 * 1024 * 1024;

async function main(): Promise<number> {
  const { check, summary } = checkList();

  const base = tempDir('bra-vsix-');
  const vsix = path.join(base, 'bpmn-resource-api.vsix');
  const ext = path.join(base, 'installed');
  await check('vsce packages the extension within 3 MB, without warnings, with its licence, changelog, icon and the diagram view’s files (bpmn-js and its licence)', async () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', vsix], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vsce: ${r.stderr || r.stdout}`);
    const warnings = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /WARNING/i.test(l));
    if (warnings.length) throw new Error(`vsce warned: ${warnings.join('; ')}`);
    const size = fs.statSync(vsix).size;
    console.log(`    .vsix: ${(size / 1024).toFixed(0)} KB`);
    if (size > LIMIT) throw new Error(`${size} bytes > ${LIMIT}`);
    const zip = await JSZip.loadAsync(fs.readFileSync(vsix));
    for (const [name, entry] of Object.entries(zip.files)) {
      if (entry.dir || !name.startsWith('extension/')) continue;
      const to = path.join(ext, name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(to, await entry.async('nodebuffer'));
    }
    if (fs.existsSync(path.join(ext, 'extension', 'node_modules'))) throw new Error('node_modules in the .vsix');
    for (const f of ['LICENSE.txt', 'changelog.md', 'images/icon.png', 'dist/diagram/bpmn-navigated-viewer.production.min.js', 'dist/diagram/diagram.js', 'dist/diagram/bpmn-js-LICENSE.txt']) if (!fs.existsSync(path.join(ext, 'extension', f))) throw new Error(`${f} is not in the .vsix`);
    const licence = fs.readFileSync(path.join(ext, 'extension', 'LICENSE.txt'), 'utf8');
    if (!licence.startsWith('MIT License')) throw new Error('the packaged LICENSE is not the MIT licence package.json names');
    const png = fs.readFileSync(path.join(ext, 'extension', 'images', 'icon.png'));
    // PNG signature, then IHDR: width and height at bytes 16 and 20
    if (png.readUInt32BE(12) !== 0x49484452 || png.readUInt32BE(16) !== 128 || png.readUInt32BE(20) !== 128) throw new Error('the icon is not a 128×128 PNG');
    const manifest = JSON.parse(fs.readFileSync(path.join(ext, 'extension', 'package.json'), 'utf8')) as { license?: string; icon?: string; repository?: { url?: string } };
    if (manifest.license !== 'MIT' || manifest.icon !== 'images/icon.png') throw new Error(`package.json: license ${manifest.license}, icon ${manifest.icon}`);
    if (manifest.repository && /example\.invalid/.test(manifest.repository.url ?? '')) throw new Error('a placeholder repository URL');
    // dist/ holds what the extension runs; the bin's start-up bundle (dist/cli-main.js) stays out.
    const shipped = fs.readdirSync(path.join(ext, 'extension', 'dist')).sort();
    if (shipped.join(',') !== 'cli.js,client.js,diagram,server.js,swagger-ui') throw new Error(`dist/ in the .vsix: ${shipped.join(', ')}`);
  });
  await check('the CLI inside the .vsix serves the example, /docs included', async () => {
    const cli = path.join(ext, 'extension', 'dist', 'cli.js');
    // Run from a folder without node_modules above it, so that nothing outside the .vsix can be loaded.
    const { child, url } = await spawnServe([path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', path.join(base, 'data')], { cli, cwd: base });
    try {
      for (const [p, min] of [['/docs/', 500], ['/docs/static/swagger-ui-bundle.js', 1_000_000], ['/docs/static/swagger-ui.css', 100_000], ['/docs/json', 1000]] as const) {
        const res = await fetch(url + p);
        const body = await res.arrayBuffer();
        if (res.status !== 200 || body.byteLength < min) throw new Error(`${p}: ${res.status}, ${body.byteLength} bytes`);
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
  return summary();
}

runMain(main);
