/**
 * A validating pass-through in front of a LIVE engine-rest: every request the adapter sends is checked
 * against the engine-rest OpenAPI document of that engine's version, counted, then forwarded unchanged
 * (the live engine answers; nothing here imitates it).
 *
 * The document: Camunda 7's own, `org.camunda.bpm:camunda-engine-rest-openapi` 7.24.0, which `npm run
 * engines` takes from Maven Central next to the jar. Operaton publishes no such artifact on Maven Central
 * for 1.0.x (and its engine does not serve one), so Operaton's requests are checked against Camunda
 * 7.24's document, the API it forked and keeps.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type OpenAPIBackend from 'openapi-backend';
import { ROOT } from '../helpers';
import { openApiValidator } from '../facade/contract';

/** BRA_PROXY_TRACE=1 prints each request and the engine's answer (to debug a live run by hand). */
const TRACE = process.env.BRA_PROXY_TRACE === '1';

export const ENGINE_REST_OPENAPI = path.join(ROOT, 'test', 'engines', 'target', 'camunda7', 'openapi.json');

let contract: Promise<OpenAPIBackend> | undefined;

/** openapi-backend over the 7.24 document, built once per test process (it takes seconds). */
export function engineRestContract(): Promise<OpenAPIBackend> {
  contract ??= (async () => {
    if (!fs.existsSync(ENGINE_REST_OPENAPI)) throw new Error(`${ENGINE_REST_OPENAPI} is missing: run npm run engines`);
    return openApiValidator(JSON.parse(fs.readFileSync(ENGINE_REST_OPENAPI, 'utf8')));
  })();
  return contract;
}

export interface ProxiedRequest {
  request: string;
  body: unknown;
  authorization?: string;
}

export class EngineRestProxy {
  url = '';
  /** requests forwarded, as `METHOD /engine-rest/path` (the stand-in's form, so call counts compare) */
  readonly requests: string[] = [];
  readonly received: ProxiedRequest[] = [];
  readonly violations: string[] = [];
  private server: http.Server | undefined;
  private api!: OpenAPIBackend;

  private readonly origin: string;

  /** `upstream`: the live engine-rest base URL, e.g. http://127.0.0.1:8080/engine-rest */
  constructor(upstream: string) {
    this.origin = new URL(upstream).origin;
  }

  async start(): Promise<this> {
    this.api = await engineRestContract();
    this.server = http.createServer((req, res) => {
      this.forward(req, res).catch((e: Error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'ProxyError', message: e.message }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/engine-rest`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
    this.server = undefined;
    this.url = '';
  }

  /** Fails when the adapter sent anything its engine's document does not describe. */
  assertClean(): void {
    if (!this.violations.length) return;
    const list = this.violations.join('\n  ');
    this.violations.length = 0;
    throw new Error(`requests outside the engine-rest OpenAPI document:\n  ${list}`);
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://x');
    const where = `${req.method} ${u.pathname}`;
    const type = String(req.headers['content-type'] ?? '');
    const body = type.startsWith('application/json') && raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    this.requests.push(where);
    this.received.push({ request: where, body, authorization: req.headers.authorization });
    this.check(req.method!, u, req.headers, body, type);
    const target = `${this.origin}${u.pathname}${u.search}`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    const answer = await fetch(target, { method: req.method, headers, body: raw.length ? raw : undefined });
    const out = Buffer.from(await answer.arrayBuffer());
    const back: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(k)) back[k] = v;
    });
    if (TRACE) process.stderr.write(`[engine-rest] ${where}${u.search} ${raw.length ? raw.toString('utf8').slice(0, 400) : ''}\n  -> ${answer.status} ${out.toString('utf8').slice(0, 600)}\n`);
    res.writeHead(answer.status, back);
    res.end(out);
  }

  private check(method: string, u: URL, headers: http.IncomingHttpHeaders, body: unknown, type: string): void {
    const where = `${method} ${u.pathname}${u.search}`;
    const pathname = u.pathname.replace(/^\/engine-rest/, '');
    const op = this.api.matchOperation({ method: method.toLowerCase(), path: pathname, query: u.search.slice(1), headers: {} });
    if (!op) {
      this.violations.push(`${where}: no operation of the document`);
      return;
    }
    if (type.startsWith('multipart/')) return; // deployment/create: the form's parts are files
    const result = this.api.validateRequest({ method: method.toLowerCase(), path: pathname, query: u.search.slice(1), headers: headers as Record<string, string>, body }, op);
    if (!result.valid) this.violations.push(`${where}: ${result.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  }
}
