/**
 * Entry of the tests that run inside VS Code's extension host (extensionTestsPath): mocha, programmatically.
 * The counts are logged as `E2E RESULT: N passed, N failed` for the runner to read.
 */
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
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
  });
}
