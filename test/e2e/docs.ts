/**
 * The interactive docs as a person uses them, in headless Debian Chromium (playwright-core from the
 * real-VS-Code set-up): the page opens without the token, its Authorize button takes the bearer token,
 * and "Try it out" then works against the protected API. Prints `N passed, N failed` for .ci/run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFacade } from '../../server/src/facade/start';
import { EXAMPLE, ROOT, tempDir } from '../helpers';
import { checkList, launchChromium, runMain } from './browser';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');

async function main(): Promise<number> {
  const facade = await startFacade({ bpmnFile: path.join(EXAMPLE, 'application.bpmn'), port: 0, token: 'docs-secret', dataDir: tempDir('bra-docs-'), log: () => undefined });
  const browser = await launchChromium();
  const { check, summary } = checkList();

  try {
    const page = await browser.newPage();
    await check('the docs page opens without the token', async () => {
      const res = await page.goto(`${facade.url}/docs`);
      if (res.status() !== 200) throw new Error(`status ${res.status()}`);
      await page.waitForSelector('.opblock-tag', { timeout: 15000 });
    });
    const tryList = async (): Promise<string> => {
      const op = page.locator('#operations-Application-listApplication');
      if (!(await op.locator('.try-out__btn').count())) await op.locator('.opblock-summary').first().click();
      const tryOut = op.locator('.try-out__btn');
      if ((await tryOut.textContent())?.includes('Try it out')) await tryOut.click();
      await op.locator('.execute').click();
      const status = op.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor({ timeout: 15000 });
      return (await status.textContent())?.trim() ?? '';
    };
    await check('"Try it out" without authorizing gets 401', async () => {
      const s = await tryList();
      if (!s.startsWith('401')) throw new Error(`status ${s}`);
    });
    await check('the Authorize button takes the bearer token and "Try it out" then gets 200', async () => {
      await page.locator('.btn.authorize').first().click();
      await page.locator('.modal-ux input').first().fill('docs-secret');
      await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
      await page.locator('.modal-ux .btn-done').click();
      await page.locator('#operations-Application-listApplication .btn-clear').click().catch(() => undefined);
      const s = await tryList();
      if (!s.startsWith('200')) throw new Error(`status ${s}`);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'docs-try-it-out.png'), fullPage: false });
    });
  } finally {
    await browser.close();
    await facade.close();
  }
  return summary();
}

runMain(main);
