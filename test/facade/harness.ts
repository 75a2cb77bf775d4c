import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFacade, type RunningFacade, type StartOptions } from '../../server/src/facade/start';
import { EXAMPLE } from '../helpers';
import { ContractChecker } from './contract';

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

  constructor(private readonly options: Partial<StartOptions> = {}) {
    this.dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bra-facade-'));
  }

  async start(): Promise<this> {
    this.running = await startFacade({ bpmnFile: path.join(EXAMPLE, 'application.bpmn'), port: 0, log: () => undefined, ...this.options, dataDir: this.dataDir });
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
    ContractChecker.report(this.contract);
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
