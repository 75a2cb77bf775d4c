import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { startFacade, type RunningFacade, type StartOptions } from '../../server/src/facade/start';
import { EXAMPLE, tempDir } from '../helpers';
import { ContractChecker } from './contract';
import { Camunda7StandIn } from './camunda7/standin';
import { Camunda8StandIn } from './camunda8/standin';
import { EngineRestProxy } from '../engines/engineRestProxy';
import { LIVE_VERSION, liveEnginesMissing, sharedLiveEngine, type LiveKind } from '../engines/live';

export type LiveEngineUnderTest = 'camunda7-live' | 'operaton-live';
export type EngineUnderTest = 'embedded' | 'camunda7' | 'camunda8' | LiveEngineUnderTest;

/**
 * The live engines (test/engines: Camunda 7 CE and Operaton as Spring Boot jars) when they can run here.
 * Where they cannot, one test says why: pending on a user's laptop, failing with CI=true (CI must run them).
 */
function liveEngines(): LiveEngineUnderTest[] {
  const missing = liveEnginesMissing();
  if (!missing) return ['camunda7-live', 'operaton-live'];
  describe('live engines (Camunda 7 CE, Operaton)', () => {
    if (process.env.CI === 'true' && process.env.BRA_LIVE_ENGINES !== '0') {
      it('run on CI', () => assert.fail(`the live engines cannot run: ${missing}`));
    } else it(`SKIPPED: ${missing}`);
  });
  return [];
}

/**
 * The engines one HTTP suite runs against: the embedded one, Camunda 7's engine-rest and Camunda 8's
 * orchestration cluster API through their stand-ins (camunda7/standin.ts, camunda8/standin.ts), and
 * live Camunda 7 CE and Operaton through the Camunda 7 adapter (test/engines).
 */
export const ENGINES: readonly EngineUnderTest[] = ['embedded', 'camunda7', 'camunda8', ...liveEngines()];
/** The engines the Camunda 7 adapter runs against: its stand-in and the live engines. */
export const CAMUNDA7_ENGINES: readonly EngineUnderTest[] = ENGINES.filter((e) => e === 'camunda7' || isLive(e));
/** The embedded engine beside the live ones that judge it (no stand-in): where it must behave as Camunda does. */
export const EMBEDDED_AND_LIVE: readonly EngineUnderTest[] = ENGINES.filter((e) => e === 'embedded' || isLive(e));

export function isLive(engine: EngineUnderTest): engine is LiveEngineUnderTest {
  return engine.endsWith('-live');
}

export function liveKind(engine: LiveEngineUnderTest): LiveKind {
  return engine === 'camunda7-live' ? 'camunda7' : 'operaton';
}

// The Camunda 8 client judges every request it sends and every answer it gets by its schemas; strict fails the call.
process.env.CAMUNDA_SDK_VALIDATION = 'strict';

/** How a suite's title names the engine. */
export function engineTitle(engine: EngineUnderTest): string {
  if (engine === 'camunda7') return 'Camunda 7 adapter against an engine-rest STAND-IN';
  if (engine === 'camunda8') return 'Camunda 8 adapter against an orchestration-cluster-API STAND-IN';
  if (isLive(engine)) return `Camunda 7 adapter against LIVE ${LIVE_VERSION[liveKind(engine)]}`;
  return 'embedded bpmn-engine';
}

export interface Http {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** The facade on port 0 with a fresh data folder, talked to over real HTTP. */
export class FacadeHarness {
  running!: RunningFacade;
  dataDir: string;
  /** every response is checked against the served /openapi.json (contract.ts) */
  readonly contract = new ContractChecker();

  /** for engine `camunda7`: the engine-rest stand-in the facade talks to (kept across facade restarts) */
  standIn: Camunda7StandIn | undefined;
  /** for engine `camunda8`: the orchestration cluster API stand-in (kept across facade restarts) */
  c8: Camunda8StandIn | undefined;
  /** for a live engine: the validating pass-through the facade talks to (engineRestProxy.ts) */
  live: EngineRestProxy | undefined;
  readonly engine: EngineUnderTest;

  constructor(private readonly options: Partial<StartOptions> & { engine?: EngineUnderTest } = {}) {
    this.dataDir = options.dataDir ?? tempDir('bra-facade-');
    this.engine = options.engine ?? 'embedded';
  }

  async start(): Promise<this> {
    const bpmnFile = this.options.bpmnFile ?? path.join(EXAMPLE, 'application.bpmn');
    const remote: Partial<StartOptions> = {};
    if (this.engine === 'camunda7') {
      this.standIn ??= await new Camunda7StandIn({ bpmnFile, model: this.options.model }).start();
      Object.assign(remote, { engine: 'camunda7', engineUrl: this.standIn.url });
    }
    if (this.engine === 'camunda8') {
      this.c8 ??= await new Camunda8StandIn({ bpmnFile, model: this.options.model }).start();
      Object.assign(remote, { engine: 'camunda8', engineUrl: this.c8.url });
    }
    if (isLive(this.engine)) {
      if (!this.live) {
        const engine = await sharedLiveEngine(liveKind(this.engine));
        await engine.reset(); // what earlier suites deployed and started is gone
        this.live = new EngineRestProxy(engine.url);
      }
      if (!this.live.url) await this.live.start(); // first start, or again after stop()
      // Deployed as users do, through --deploy (again at each restart: the engine keeps only changed files).
      Object.assign(remote, { engine: 'camunda7', engineUrl: this.live.url, deploy: true });
    }
    this.running = await startFacade({ bpmnFile, port: 0, log: () => undefined, ...this.options, ...remote, dataDir: this.dataDir });
    const doc = await fetch(`${this.running.url}/openapi.json`);
    await this.contract.init(await doc.json());
    return this;
  }

  async restart(): Promise<void> {
    await this.running.close();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.running?.close();
    if (this.standIn) {
      await this.standIn.stop();
      this.standIn.assertClean();
    }
    await this.c8?.stop();
    if (this.live) {
      await this.live.stop();
      this.live.assertClean();
    }
    ContractChecker.report(this.contract);
  }

  /** The requests the remote engine received so far (`METHOD /path`); none for the embedded engine. */
  engineRequests(): string[] {
    return this.standIn?.requests ?? this.c8?.requests ?? this.live?.requests ?? [];
  }

  /** Polls GET `url` until `test` holds for its body (bounded: a timer moves an instance on within `ms`), and returns the body. */
  async until(url: string, test: (body: any) => boolean, ms = 8000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const r = await this.req('GET', url);
      if (test(r.body)) return r.body;
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms at ${url}; last: ${JSON.stringify(r.body._process)}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  async req(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Http> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.running.url + url, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    this.contract.check(method, url, res.status, res.headers, parsed, text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
}
