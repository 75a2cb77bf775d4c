/**
 * Entry of the tests that run inside VS Code's extension host (extensionTestsPath): mocha, programmatically.
 * The counts are logged as `E2E RESULT: N passed, N failed` for the runner to read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Mocha = require('mocha');

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.e2e.js'));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures: number) => {
      const passed = runner.stats?.passes ?? 0;
      console.log(`E2E RESULT: ${passed} passed, ${failures} failed`);
      // The VS Code desktop runner (electron.ts) reads the counts from this file.
      if (process.env.BRA_E2E_RESULT_FILE) fs.writeFileSync(process.env.BRA_E2E_RESULT_FILE, `${passed} passed, ${failures} failed\n`);
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
  });
}
