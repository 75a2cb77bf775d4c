/**
 * Runs the extension's tests inside a real VS Code: code-server 4.100.3 (VS Code 1.100.3, Node extension
 * host) opened in headless Debian Chromium by playwright-core. Follows ../shared/docs/testing-in-real-vscode.md.
 * Prints the plain closing line `N passed, N failed`; screenshots go to test-artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { format } from 'node:util';
import { CODE_SERVER, launchChromium, runMain } from './browser';
import { prepareWorkspace } from './workspace';
import { tempDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const SUITE = path.join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js');
const TIMEOUT_MS = 5 * 60 * 1000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForHttp(url: string, ms: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error('code-server exited before listening');
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer at ${url}`);
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(CODE_SERVER, 'code-server', 'out', 'node', 'entry.js'))) {
    console.error('code-server is not installed: run test/e2e/setup.sh');
    return 1;
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'client.js'))) {
    console.error('the extension is not bundled: run npm run bundle');
    return 1;
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const base = tempDir('bra-e2e-');
  const ws = prepareWorkspace(base);
  for (const d of ['user', 'extensions', 'tmp']) fs.mkdirSync(path.join(base, d));
  const config = path.join(base, 'config.yaml');
  fs.writeFileSync(config, '');

  // The tests ask for screenshots over this hook: when the result arrives, the extension host is gone.
  let page: any;
  const popups: any[] = [];
  /** The newest page opened besides the workbench (openExternal opens one), waiting for it up to 15 s. */
  const popup = async (selector: string | null): Promise<any> => {
    const deadline = Date.now() + 15000;
    while (!popups.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const p = popups.pop();
    if (!p) throw new Error('no page was opened');
    await p.waitForLoadState();
    try {
      if (selector) await p.waitForSelector(selector, { timeout: 15000 });
    } catch (e) {
      await p.screenshot({ path: path.join(ARTIFACTS, 'popup-failed.png') }).catch(() => undefined);
      throw new Error(`the page opened at ${p.url()} did not show ${selector}: ${(e as Error).message}`);
    }
    return p;
  };
  /** The frame (a webview's nested iframe included) that shows `selector`, waiting for it up to 15 s. */
  const frameWith = async (selector: string): Promise<any> => {
    const deadline = Date.now() + 15000;
    for (;;) {
      for (const f of page.frames()) if (await f.locator(selector).first().isVisible().catch(() => false)) return f;
      if (Date.now() > deadline) throw new Error(`no frame shows ${selector}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const hook = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/click' && page) {
      // A person's click inside a webview (the diagram view), which the vscode API cannot do.
      try {
        const selector = url.searchParams.get('selector')!;
        const value = url.searchParams.get('value');
        const target = (await frameWith(selector)).locator(selector).first();
        if (value !== null) await target.selectOption(value, { timeout: 15000 });
        else await target.click();
        res.writeHead(200).end('ok');
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
      return;
    }
    if (url.pathname === '/screenshot' && page) {
      const name = (url.searchParams.get('name') ?? 'shot').replace(/[^\w-]/g, '_');
      const selector = url.searchParams.get('waitFor');
      const text = url.searchParams.get('text');
      // popup=1: the page VS Code opened with openExternal (the docs), not the workbench.
      let target = page;
      try {
        if (url.searchParams.get('popup')) target = await popup(selector);
        const widen = Number(url.searchParams.get('widen') ?? 0);
        if (widen) {
          // Drag the sash on the side bar's right edge, as a person would (no command sets its width).
          const box = await page.locator('.part.sidebar').boundingBox();
          const x = box.x + box.width - 1;
          const y = box.y + box.height / 2;
          await page.mouse.move(x, y);
          await page.mouse.down();
          await page.mouse.move(x + widen, y, { steps: 5 });
          await page.mouse.up();
        }
        const raise = url.searchParams.get('raise');
        if (raise) {
          // Drag the named view's header up (the sash above it), so that the whole view shows.
          const header = await page.locator('.pane-header', { hasText: raise }).first().boundingBox();
          const x = header.x + header.width / 2;
          await page.mouse.move(x, header.y + 1);
          await page.mouse.down();
          await page.mouse.move(x, 120, { steps: 5 });
          await page.mouse.up();
        }
        if (selector && url.searchParams.get('webview')) {
          await frameWith(selector);
        } else if (selector && text) {
          await target.waitForFunction(
            `[...document.querySelectorAll(${JSON.stringify(selector)})].some((el) => el.offsetParent !== null && el.textContent.includes(${JSON.stringify(text)}))`,
            undefined,
            { timeout: 10000 },
          );
        } else if (selector) {
          // Wait until the widget is shown and its fade-in has finished (opacity 1), not a fixed time.
          // (runs in the page; written as a string so this file needs no DOM types)
          await target.waitForFunction(
            `(() => {
              const el = document.querySelector(${JSON.stringify(selector)});
              if (!el || el.offsetParent === null) return false;
              for (let e = el; e; e = e.parentElement) if (getComputedStyle(e).opacity !== '1') return false;
              return document.getAnimations().every((a) => a.playState !== 'running');
            })()`,
            undefined,
            { timeout: 10000 },
          );
        }
        // BRA_E2E_CONSOLE=1: the pages, and each frame's iframes and service worker (how a webview that never got its content was found)
        if (process.env.BRA_E2E_CONSOLE) console.log('[pages]', page.context().pages().length, await page.evaluate('document.visibilityState + " focus=" + document.hasFocus()'));
        if (process.env.BRA_E2E_CONSOLE) for (const f of page.frames()) console.log('[frame]', f.url().slice(0, 160), (await f.evaluate('JSON.stringify({ iframes: [...document.querySelectorAll("iframe")].map((i) => i.id + " " + i.src.slice(0, 80)), sw: !!(navigator.serviceWorker && navigator.serviceWorker.controller), body: document.body ? document.body.className : "-" })').catch((e: Error) => e.message)));
        await target.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
        let opened = target !== page ? target.url() : 'ok';
        const tryOp = url.searchParams.get('try');
        if (tryOp && target !== page) {
          // Swagger UI's "Try it out" on one operation, as a person would: the answer's status comes back.
          const op = target.locator(`#operations-${tryOp}`);
          await op.locator('.opblock-summary').first().click();
          await op.locator('.try-out__btn').click();
          await op.locator('.execute').click();
          const status = op.locator('.live-responses-table tbody .response-col_status').first();
          await status.waitFor({ timeout: 15000 });
          opened += ` ${(await status.textContent())?.trim()}`;
        }
        if (target !== page) {
          await target.close();
          // The workbench is the page in front again: a page left in the background loads no webview content.
          await page.bringToFront();
        }
        res.writeHead(200).end(opened);
      } catch (e) {
        await target.screenshot({ path: path.join(ARTIFACTS, `${name}-failed.png`) }).catch(() => undefined);
        res.writeHead(500).end(String(e));
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}`;

  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      path.join(CODE_SERVER, 'code-server', 'out', 'node', 'entry.js'),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', path.join(base, 'user'),
      '--extensions-dir', path.join(base, 'extensions'),
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', '--ignore-last-opened',
      '--config', config,
    ],
    { env: { ...process.env, TMPDIR: path.join(base, 'tmp'), BRA_E2E_HOOK: hookUrl, BRA_E2E_WORKSPACE: ws }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const serverLog: string[] = [];
  server.stdout!.on('data', (d: Buffer) => serverLog.push(d.toString()));
  server.stderr!.on('data', (d: Buffer) => serverLog.push(d.toString()));

  let browser: any;
  let passed = 0;
  let failed = 0;
  let counted = false;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60000, server);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('console', (m: { type(): string; text(): string }) => { if (m.type() === 'error' && process.env.BRA_E2E_CONSOLE) console.log('[page error]', m.text().slice(0, 300)); });
    context.on('page', (p: any) => popups.push(p));
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      // The extension host's console arguments, formatted as console.log would (mocha logs '%s%s', indent, text).
      const line = format(...(Array.isArray(args) ? args : [args]));
      const m = /E2E RESULT: (\d+) passed, (\d+) failed/.exec(line);
      if (m) {
        passed = Number(m[1]);
        failed = Number(m[2]);
        counted = true;
      }
      process.stdout.write(`[vscode ${type}] ${line}\n`);
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(SUITE)],
    ];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), TIMEOUT_MS))]);
    if (code === -1) {
      console.error(`timed out after ${TIMEOUT_MS / 1000} s`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'timeout.png') }).catch(() => undefined);
    }
    if (!counted) {
      passed = 0;
      failed = 1;
    }
    if (code !== 0 && failed === 0) failed = 1;
  } catch (e) {
    console.error(`e2e runner: ${(e as Error).stack ?? e}`);
    console.error(serverLog.join('').slice(-4000));
    failed = Math.max(failed, 1);
  } finally {
    await browser?.close().catch(() => undefined);
    server.kill('SIGTERM');
    hook.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

runMain(main);
