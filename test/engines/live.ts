/**
 * LIVE engines for the tests: Camunda 7 CE and Operaton, each a Spring Boot jar built by `npm run engines`
 * (test/engines/pom.xml), started once per test process on a free loopback port, stopped when it exits.
 *
 * Without Java or a built jar the live suites are not defined: one test names what is missing, pending on a
 * laptop, failing with CI=true (CI must run them). BRA_LIVE_ENGINES=0 switches them off for a quick run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, ROOT } from '../helpers';

export type LiveKind = 'camunda7' | 'operaton';

export const LIVE_KINDS: readonly LiveKind[] = ['camunda7', 'operaton'];

const ENGINE_DIR = path.join(ROOT, 'test', 'engines', 'target');
/** Engine logs stay after the run (a failure message names them); test-artifacts/ is ignored by git. */
const LOG_DIR = path.join(ROOT, 'test-artifacts', 'engines');

export const LIVE_VERSION: Record<LiveKind, string> = { camunda7: 'Camunda 7 CE 7.24.0', operaton: 'Operaton 1.0.3' };

/**
 * JVM flags for a short start-up of a short-lived engine: C1 only (the tests end before C2 would pay off),
 * the serial collector (2 cores, shared with the tests), a modest heap.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xms128m', '-Xmx512m', '-Xss512k', '-Djava.awt.headless=true'];

/** The prefix of the engine's Spring Boot properties (application.yaml's @engine.prefix@) */
const PROPERTY_PREFIX: Record<LiveKind, string> = { camunda7: 'camunda', operaton: 'operaton' };

export function jarOf(kind: LiveKind): string {
  return path.join(ENGINE_DIR, kind, `engine-${kind}.jar`);
}

let missingReason: string | null | undefined;

/** Why the live engines cannot run here (undefined when they can). Looked up once. */
export function liveEnginesMissing(): string | undefined {
  if (missingReason !== undefined) return missingReason ?? undefined;
  // An opt-out for a quick local run; CI never sets it (and with CI=true a missing engine fails, see harness.ts).
  if (process.env.BRA_LIVE_ENGINES === '0') {
    missingReason = 'live engines switched off (BRA_LIVE_ENGINES=0)';
    return missingReason;
  }
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) missingReason = 'no java on PATH (the live engines need Java 17+ and Maven: npm run engines)';
  else {
    const absent = LIVE_KINDS.filter((k) => !fs.existsSync(jarOf(k)));
    missingReason = absent.length ? `${absent.map((k) => path.relative(ROOT, jarOf(k))).join(', ')} not built (run npm run engines; it needs Maven)` : null;
  }
  return missingReason ?? undefined;
}

export interface LiveEngineOptions {
  /** Spring profile `basic-auth`: engine-rest checks HTTP Basic against the engine's users (demo/demo) */
  basicAuth?: boolean;
  /** Spring Boot properties for this run, e.g. { 'bpm.history-level': 'activity' } (the engine's prefix is added) */
  properties?: Record<string, string>;
  /** names the log file beside the kind (an engine with other settings than the shared one) */
  label?: string;
  /** Spring Boot properties as they are, e.g. { 'spring.datasource.url': 'jdbc:postgresql://…' } */
  spring?: Record<string, string>;
  /** the port to listen on (a node started again where its facade expects it); else a free one */
  port?: number;
}

export class LiveEngine {
  url = '';
  readonly logFile: string;
  /** how long start() took, in ms */
  startupMs = 0;
  private child: ChildProcess | undefined;
  private readonly killAtExit = () => this.child?.kill('SIGKILL');

  constructor(
    readonly kind: LiveKind,
    private readonly options: LiveEngineOptions = {},
  ) {
    const label = options.label ?? (options.basicAuth ? 'basic-auth' : undefined);
    this.logFile = path.join(LOG_DIR, `${kind}${label ? `-${label}` : ''}-${process.pid}.log`);
  }

  get title(): string {
    return LIVE_VERSION[this.kind];
  }

  /** Starts the jar and waits until GET /engine-rest/engine answers (at most `timeoutMs`). */
  async start(timeoutMs = 150_000): Promise<this> {
    const began = Date.now();
    const port = this.options.port ?? (await freePort());
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const log = fs.openSync(this.logFile, 'w');
    const args = [...JVM_FLAGS, '-jar', jarOf(this.kind), `--server.port=${port}`];
    if (this.options.basicAuth) args.push('--spring.profiles.active=basic-auth');
    for (const [k, v] of Object.entries(this.options.properties ?? {})) args.push(`--${PROPERTY_PREFIX[this.kind]}.${k}=${v}`);
    for (const [k, v] of Object.entries(this.options.spring ?? {})) args.push(`--${k}=${v}`);
    this.child = spawn('java', args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    process.once('exit', this.killAtExit);
    const exited = new Promise<never>((_, reject) =>
      this.child!.once('exit', (code, signal) => reject(new Error(`${this.title} exited (${signal ?? code}) while starting; its log: ${this.logFile}`))),
    );
    exited.catch(() => undefined);
    this.url = `http://127.0.0.1:${port}/engine-rest`;
    const headers = this.options.basicAuth ? { authorization: `Basic ${Buffer.from('demo:demo').toString('base64')}` } : undefined;
    for (;;) {
      const up = await Promise.race([
        fetch(`${this.url}/engine`, { headers, signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false),
        exited,
      ]);
      if (up) break;
      if (Date.now() - began > timeoutMs) {
        await this.stop();
        throw new Error(`${this.title} did not answer GET /engine-rest/engine within ${timeoutMs / 1000} s; its log: ${this.logFile}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    this.startupMs = Date.now() - began;
    return this;
  }

  /**
   * Forgets everything the previous suite left: every deployment with its instances and their history
   * (engine-rest's cascade delete), so business keys and process versions start afresh.
   */
  async reset(): Promise<void> {
    const deployments = (await (await fetch(`${this.url}/deployment`)).json()) as { id: string }[];
    for (const d of deployments) {
      const r = await fetch(`${this.url}/deployment/${d.id}?cascade=true&skipCustomListeners=true&skipIoMappings=true`, { method: 'DELETE' });
      if (!r.ok && r.status !== 404) throw new Error(`${this.title}: deleting deployment ${d.id} answered ${r.status} ${await r.text()}`);
    }
  }

  /** Ends the engine's process at once (SIGKILL), as a crashed node. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    process.removeListener('exit', this.killAtExit);
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    process.removeListener('exit', this.killAtExit);
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

const shared = new Map<LiveKind, Promise<LiveEngine>>();

/** Stops every shared engine (SIGTERM, SIGKILL after 10 s); the root hooks call it after the last test. */
export async function stopSharedLiveEngines(): Promise<void> {
  const engines = [...shared.values()];
  shared.clear();
  await Promise.all(engines.map((e) => e.then((x) => x.stop(), () => undefined)));
}

/** The engine of this kind for the whole test process: started on first use, stopped at exit. */
export function sharedLiveEngine(kind: LiveKind): Promise<LiveEngine> {
  let engine = shared.get(kind);
  if (!engine) {
    engine = new LiveEngine(kind).start();
    shared.set(kind, engine);
  }
  return engine;
}

/**
 * What a team's external-task worker does (engine-rest's fetch-and-lock, then complete), for the models
 * whose service tasks wait for one on a live engine: completes the locked tasks of `topic`, returns how many.
 */
export async function completeExternalTasks(engineRest: string, topic: string): Promise<number> {
  const post = async (url: string, body: unknown) => {
    const r = await fetch(engineRest + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`);
    return r.status === 204 ? undefined : r.json();
  };
  const workerId = 'bra-test-worker';
  const locked = (await post('/external-task/fetchAndLock', { workerId, maxTasks: 10, topics: [{ topicName: topic, lockDuration: 10_000 }] })) as { id: string }[];
  for (const t of locked) await post(`/external-task/${t.id}/complete`, { workerId });
  return locked.length;
}

/** Finished runs of an activity in the engine's history, over every instance with the business key. */
export async function finishedActivities(engineRest: string, businessKey: string, activityId: string): Promise<number> {
  const get = async <T>(url: string) => (await (await fetch(engineRest + url)).json()) as T;
  const instances = await get<{ id: string }[]>(`/history/process-instance?processInstanceBusinessKey=${encodeURIComponent(businessKey)}`);
  let n = 0;
  for (const i of instances) n += (await get<unknown[]>(`/history/activity-instance?processInstanceId=${i.id}&activityId=${activityId}&finished=true`)).length;
  return n;
}
