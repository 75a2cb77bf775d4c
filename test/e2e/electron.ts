/**
 * `npm run test:vscode`: the same extension-host suite as run.ts, in VS Code desktop downloaded by
 * @vscode/test-electron (2.5.2: the last version on Node 20). It needs internet for the download (these
 * offline machines cannot: CI runs run.ts on code-server) and a display (on a headless Linux: xvfb-run).
 * Env: VSCODE_VERSION (default: stable). Prints `N passed, N failed`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ROOT, tempDir } from '../helpers';
import { runMain } from './browser';
import { prepareWorkspace } from './workspace';

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'client.js'))) {
    console.error('the extension is not bundled: run npm run bundle');
    return 1;
  }
  const base = tempDir('bra-electron-');
  const ws = prepareWorkspace(base);
  const resultFile = path.join(base, 'result.txt');
  let code: number;
  try {
    code = await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--user-data-dir', path.join(base, 'user')],
      extensionTestsEnv: { BRA_E2E_WORKSPACE: ws, BRA_E2E_RESULT_FILE: resultFile },
    });
  } catch (e) {
    console.error(`VS Code could not be run: ${(e as Error).message}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  const summary = fs.existsSync(resultFile) ? fs.readFileSync(resultFile, 'utf8').trim() : `0 passed, ${code === 0 ? 0 : 1} failed`;
  console.log(summary);
  return code;
}

runMain(main);
