import * as net from 'node:net';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { diagnosticsOf } from '../core/check';
import type { CoreDiagnostic } from '../core/diagnostics';
import { collectFiles, findConfig, UsageError } from '../node/files';
import { loadProject, BpmnNeighbours, modelDiagnostics, requireModel, type LoadedProject } from '../node/project';
import { buildApi, type ApiModel } from './api';
import { buildFacade } from './app';
import { chooseEngine, createEngine } from './engines';
import { EngineError, type ProcessEngineAdapter } from './ports';
import { Lifecycle } from './health';
import { createMetrics } from './metrics';
import { EmbeddedEngine } from './embedded/embeddedEngine';

export interface StartOptions {
  /** BPMN files or folders; the served process is in one of them, called processes in any */
  bpmnFile: string | string[];
  model?: string;
  /** embedded (default), camunda7, camunda8; else bpmn-resource-api.json's engine.type */
  engine?: string;
  /** the remote engine's REST base URL; else engine.url of the config */
  engineUrl?: string;
  /** deploy the served files to the remote engine at start */
  deploy?: boolean;
  port?: number;
  host?: string;
  dataDir?: string;
  token?: string;
  bodyLimit?: number;
  maxLiveEngines?: number;
  requestTimeout?: number;
  /** one line per answered request (see FacadeOptions.requestLog) */
  requestLog?: (line: string) => void;
  /** --log-format json: fastify's logger (pino) for the request lines */
  logger?: Logger;
  /** one line per engine event (pass-through tasks, timers, incidents); stderr by default */
  log?: (line: string) => void;
  /** run JavaScript script conditions and script tasks of the model */
  allowScripts?: boolean;
  /** Host names accepted besides loopback (also `allowedHosts` in bpmn-resource-api.json) */
  allowedHosts?: string[];
  /** the one browser origin allowed by CORS */
  cors?: string;
  /** serve GET /metrics (Prometheus text format; behind the token when there is one) */
  metrics?: boolean;
}

export interface RunningFacade {
  app: FastifyInstance;
  api: ApiModel;
  engine: ProcessEngineAdapter;
  url: string;
  /** warnings of `check` on the served files */
  warnings: string[];
  close(): Promise<void>;
  /** the graceful stop of SIGTERM (see shutdown) */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

export interface ShutdownOptions {
  /** ms to go on serving, not ready and closing each connection after its response, before refusing connections */
  drainDelay?: number;
  /** ms requests in flight may take once connections are refused; then their connections are closed */
  timeout?: number;
}

export interface LoadedApi {
  api: ApiModel;
  projects: LoadedProject[];
  warnings: string[];
}

/** Loads and checks the BPMN files and the model, then builds the API (refuses models with errors: their routes would be wrong). */
export function loadApi(inputs: string | string[], model?: string, engine?: string): LoadedApi {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const { bpmn } = collectFiles(list);
  if (bpmn.length === 0) throw new UsageError(`no BPMN file in ${list.join(' ')}`);
  const around = new BpmnNeighbours(bpmn);
  const projects = bpmn.map((f) => loadProject(f, model, around, engine));
  const warnings: string[] = [];
  const refuse = (file: string, diagnostics: CoreDiagnostic[]) => {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      throw new UsageError(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'} (run 'check' for all): ${errors[0].code}: ${errors[0].message}`);
    }
    warnings.push(...diagnostics.filter((d) => d.severity === 'warning').map((d) => `${path.basename(file)}: ${d.code}: ${d.message}`));
  };
  const models = new Set<string>();
  for (const p of projects) {
    const model = requireModel(p);
    refuse(p.bpmnFile, diagnosticsOf(p.analysis));
    // The model's own errors (a class twice, two parents, a cycle) make the routes wrong as much as the BPMN file's.
    if (!models.has(model.file)) refuse(model.file, modelDiagnostics(model.file));
    models.add(model.file);
  }
  return { api: buildApi(projects.map((p) => p.analysis)), projects, warnings };
}

export async function startFacade(o: StartOptions): Promise<RunningFacade> {
  const { api, projects, warnings } = loadApi(o.bpmnFile, o.model, o.engine);
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = findConfig(projects[0].bpmnFile);
  const { choice, warnings: configWarnings } = chooseEngine({ engine: o.engine, engineUrl: o.engineUrl, deploy: o.deploy }, config?.engine);
  warnings.push(...configWarnings);
  const created = createEngine(choice, { api, projects, dataDir: o.dataDir, log, allowScripts: o.allowScripts, maxLiveEngines: o.maxLiveEngines });
  const embedded = created instanceof EmbeddedEngine ? created : undefined;
  const metrics = o.metrics ? createMetrics(created, embedded && (() => embedded.instanceCount)) : undefined;
  if (metrics && embedded) embedded.storeWriteObserver = metrics.observeStoreWrite;
  const engine = metrics?.engine ?? created;
  try {
    warnings.push(...(await engine.init()));
  } catch (e) {
    await engine.close();
    if (e instanceof EngineError) throw new UsageError(`the ${engine.name} engine cannot serve the process: ${e.message}`);
    throw new UsageError(`the ${choice.type} engine cannot load the process: ${(e as Error).message}`);
  }
  const host = o.host ?? '127.0.0.1';
  const fromConfig = config?.allowedHosts;
  const allowedHosts = [...(o.allowedHosts ?? []), ...(Array.isArray(fromConfig) ? fromConfig.filter((h): h is string => typeof h === 'string') : [])];
  const lifecycle = new Lifecycle();
  const app = await buildFacade({ api, engine, token: o.token, bodyLimit: o.bodyLimit, requestTimeout: o.requestTimeout, host, allowedHosts, cors: o.cors, requestLog: o.requestLog, logger: o.logger, lifecycle, metrics });
  await app.listen({ port: o.port ?? 3000, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { app, api, engine, url, warnings, close: () => app.close(), shutdown: (options) => shutdown(app, lifecycle, options) };
}

/**
 * SIGTERM's stop, as load balancers and orchestrators expect it: readiness answers 503 at once and every
 * response closes its connection (so no client keeps one to be cut); after `drainDelay` the listener stops
 * accepting; connections still open are given a moment to bring the request they were opened for, then the
 * idle ones are closed; requests in flight finish, bounded by `timeout`, after which their connections are
 * closed; then fastify and the engine are closed.
 *
 * Not fastify's close() alone: it closes idle connections the moment it stops accepting, and a connection
 * accepted a moment before, whose request has not arrived yet, counts as idle: under load its client gets
 * ECONNRESET for a request it had sent.
 */
async function shutdown(app: FastifyInstance, lifecycle: Lifecycle, options: ShutdownOptions = {}): Promise<void> {
  const timeout = options.timeout ?? 10_000;
  lifecycle.draining = true;
  if (options.drainDelay) await sleep(options.drainDelay);
  const server = app.server;
  const deadline = Date.now() + timeout;
  net.Server.prototype.close.call(server); // stop accepting; open connections stay
  await connectionsGone(server, Math.min(deadline, Date.now() + REQUEST_ARRIVAL_MS));
  server.closeIdleConnections();
  await connectionsGone(server, deadline);
  server.closeAllConnections();
  await app.close();
}

/** How long a connection accepted just before the listener closed may take to bring its request. */
const REQUEST_ARRIVAL_MS = 500;

/** Waits until the server has no connection left, or the deadline. */
async function connectionsGone(server: net.Server, deadline: number): Promise<void> {
  const count = () => new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n)));
  while (Date.now() < deadline && (await count()) > 0) await sleep(20);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
