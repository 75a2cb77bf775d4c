import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Span } from '../server/src/core/xml/positions';

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const EXAMPLE = path.join(ROOT, 'examples', 'application-check');
/**
 * The shared corpus of real BPMN and XMI files (../shared/corpus, MANIFEST.tsv: where each comes from). The
 * repository keeps no copy: CI has ../shared; without it the tests that need it skip, saying so.
 */
export const CORPUS = path.join(ROOT, '..', 'shared', 'corpus');
export const CORPUS_PRESENT = fs.existsSync(path.join(CORPUS, 'MANIFEST.tsv'));
export const CORPUS_ABSENT = `SKIPPED: ${CORPUS} is absent (CI has ../shared)`;

/** Folders made by tempDir, removed when the process exits (set BRA_KEEP_TMP=1 to keep them for a look). */
const tempDirs: string[] = [];
process.once('exit', () => {
  if (process.env.BRA_KEEP_TMP === '1') return;
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder `<base>/<prefix>XXXXXX` (base: the OS's temp folder), removed when this process exits. */
/** Copies the example project (BPMN, UML, settings) into `dir`, which must exist, and returns `dir`. */
export function copyExample(dir: string): string {
  for (const f of fs.readdirSync(EXAMPLE)) fs.copyFileSync(path.join(EXAMPLE, f), path.join(dir, f));
  return dir;
}

export function tempDir(prefix: string, base = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(base, prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * Range markers in fixture text: `⟪Aproval⟫` marks a span. Returns the text without markers and the
 * spans in order, so tests state exact ranges where they are visible.
 */
export function marked(src: string): { text: string; spans: Span[] } {
  let text = '';
  const spans: Span[] = [];
  const open: number[] = [];
  for (const ch of src) {
    if (ch === '⟪') open.push(text.length);
    else if (ch === '⟫') spans.push({ start: open.pop()!, end: text.length });
    else text += ch;
  }
  spans.sort((a, b) => a.start - b.start);
  return { text, spans };
}

/** A BPMN file with one process (bpmn: prefix), `body` inside the process. */
export function bpmnFile(body: string, processExtra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://example.com">
  <bpmn:process id="Process_1" name="application"${processExtra}>
${body}
  </bpmn:process>
</bpmn:definitions>
`;
}

/** `<bpmn:extensionElements><linkedResource name="…"/></bpmn:extensionElements>`, name wrapped in markers when asked. */
export function link(name: string, mark = false): string {
  return `<bpmn:extensionElements><linkedResource name="${mark ? `⟪${name}⟫` : name}" /></bpmn:extensionElements>`;
}

export interface ClassSpec {
  [attribute: string]: string;
}

/**
 * A small Eclipse UML2 model: classes with primitive attributes, and associations
 * `[source, target, multiplicity, kind]` where kind is 'directed' (default), 'both' (both ends navigable),
 * or 'composite' (both navigable, source is the whole).
 */
export function umlModel(classes: Record<string, ClassSpec>, associations: Array<[string, string, string, string?]> = []): string {
  const bounds = (m: string) => {
    const [lo, hi] = m.includes('..') ? m.split('..') : [m === '*' ? '0' : m, m];
    return `<lowerValue xmi:type="uml:LiteralInteger" xmi:id="lv${Math.random().toString(36).slice(2)}" value="${lo}"/><upperValue xmi:type="uml:LiteralUnlimitedNatural" xmi:id="uv${Math.random().toString(36).slice(2)}" value="${hi}"/>`;
  };
  let out = `<?xml version="1.0" encoding="UTF-8"?>
<uml:Model xmi:version="20131001" xmlns:xmi="http://www.omg.org/spec/XMI/20131001" xmlns:uml="http://www.eclipse.org/uml2/5.0.0/UML" xmi:id="m" name="m">
`;
  for (const [name, attrs] of Object.entries(classes)) {
    out += `  <packagedElement xmi:type="uml:Class" xmi:id="C_${name}" name="${name}">\n`;
    for (const [a, t] of Object.entries(attrs)) {
      out += `    <ownedAttribute xmi:id="C_${name}_${a}" name="${a}"><type xmi:type="uml:PrimitiveType" href="pathmap://UML_LIBRARIES/UMLPrimitiveTypes.library.uml#${t}"/></ownedAttribute>\n`;
    }
    out += `  </packagedElement>\n`;
  }
  associations.forEach(([s, t, m, kind = 'directed'], i) => {
    const id = `A${i}_${s}_${t}`;
    const nav = kind === 'directed' ? `E${i}t` : `E${i}s E${i}t`;
    const agg = kind === 'composite' ? ' aggregation="composite"' : '';
    out += `  <packagedElement xmi:type="uml:Association" xmi:id="${id}" name="${s}_${t}" memberEnd="E${i}s E${i}t" navigableOwnedEnd="${nav}">
    <ownedEnd xmi:id="E${i}s" name="src" type="C_${s}" association="${id}"/>
    <ownedEnd xmi:id="E${i}t" name="tgt" type="C_${t}" association="${id}"${agg}>${bounds(m)}</ownedEnd>
  </packagedElement>\n`;
  });
  return out + '</uml:Model>\n';
}

/** The paper's model: Application → Document 0..*, → Decision 0..1 → Approval 0..1; Customer is a separate root. */
export function paperModel(): string {
  return umlModel(
    {
      Application: { product: 'String', price: 'Integer' },
      Document: { description: 'String', type: 'String' },
      Decision: { accepted: 'Boolean', premium: 'Real' },
      Approval: { approved: 'Boolean' },
      Customer: { name: 'String' },
    },
    [
      ['Application', 'Document', '0..*'],
      ['Application', 'Decision', '0..1'],
      ['Decision', 'Approval', '0..1'],
    ],
  );
}

/**
 * A temporary project with the example split in two folders, so that no model sits beside the BPMN
 * file: `models/<name>` for each given model name (copies of the example's model) and
 * `processes/application.bpmn`.
 */
export function splitProject(modelNames: string[]): { root: string; bpmn: string; model: (name: string) => string } {
  const root = tempDir('bra-split-');
  fs.mkdirSync(path.join(root, 'models'));
  fs.mkdirSync(path.join(root, 'processes'));
  for (const m of modelNames) fs.copyFileSync(path.join(EXAMPLE, 'resources.uml'), path.join(root, 'models', m));
  const bpmn = path.join(root, 'processes', 'application.bpmn');
  fs.copyFileSync(path.join(EXAMPLE, 'application.bpmn'), bpmn);
  return { root, bpmn, model: (name) => path.join(root, 'models', name) };
}

/**
 * Runs `serve` (of the project's bin, or of another CLI file such as the .vsix's dist/cli.js) as its own
 * process; resolves with its URL once it prints `listening on`, rejects with its output if it exits first.
 */
/** `serve` in its own process, resolved once it says where it listens (`listening`: how that line reads; the text form by default). */
export function spawnServe(args: string[], options: { cli?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}, listening = /listening on (http:\/\/\S+)/): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [options.cli ?? path.join(ROOT, 'bin', 'bpmn-resource-api.js'), 'serve', ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = listening.exec(out);
      if (m) resolve({ child, url: m[1], output: () => out });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${out}`)));
  });
}

/** Deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A port nothing listens on (taken from the OS, then let go). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A `serve` started by spawnServe. */
export type ServeProcess = Awaited<ReturnType<typeof spawnServe>>;

/** Stops a spawned process with `signal` and waits for its exit (at once when it has exited already). */
export async function stopServe(server: { child: ChildProcess }, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** the parsed JSON body; undefined when empty */
  body: any;
  text: string;
}

/** One request to `base + url` over a real socket, a JSON body when given. */
export async function httpCall(base: string, method: string, url: string, body?: unknown): Promise<HttpAnswer> {
  const res = await fetch(base + url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

/** httpCall that must answer `status` (200 by default); its parsed body. */
export async function httpOk(base: string, method: string, url: string, body?: unknown, status = 200): Promise<any> {
  const r = await httpCall(base, method, url, body);
  assert.equal(r.status, status, `${method} ${base}${url}: ${r.text}`);
  return r.body;
}
