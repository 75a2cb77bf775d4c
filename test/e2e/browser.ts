import * as path from 'node:path';
import { ROOT } from '../helpers';

/** playwright-core as test/e2e/setup.sh installs it, beside code-server (outside the project's dependencies). */
export const CODE_SERVER = path.join(ROOT, '.vscode-test', 'code-server', 'node_modules');

/** Headless Debian Chromium with the flags these offline machines need (../shared/docs/testing-in-real-vscode.md). */
export async function launchChromium(): Promise<any> {
  const { chromium } = require(path.join(CODE_SERVER, 'playwright-core'));
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Runs an e2e runner and ends the process with its code; a crash still prints the summary line CI reads. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      console.log('0 passed, 1 failed');
      process.exit(1);
    },
  );
}

/** A small runner for the e2e scripts outside mocha: each check prints ✔/✘, and the counts end in the summary line. */
export function checkList(): { check: (name: string, fn: () => Promise<void>) => Promise<void>; summary: () => number } {
  let passed = 0;
  let failed = 0;
  return {
    check: async (name, fn) => {
      try {
        await fn();
        passed++;
        console.log(`  ✔ ${name}`);
      } catch (e) {
        failed++;
        console.log(`  ✘ ${name}: ${(e as Error).message}`);
      }
    },
    summary: () => {
      console.log(`${passed} passed, ${failed} failed`);
      return failed ? 1 : 0;
    },
  };
}
