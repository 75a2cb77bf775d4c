import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { diagnosticsOf } from '../core/check';
import type { CoreDiagnostic } from '../core/diagnostics';
import { collectFiles, findConfig, UsageError } from '../node/files';
import { loadProject, BpmnNeighbours, modelDiagnostics, requireModel, type LoadedProject } from '../node/project';
import { buildApi, type ApiModel } from './api';
import { buildFacade } from './app';
import { chooseEngine, createEngine } from './engines';
import { EngineError, type ProcessEngineAdapter } from './ports';

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
  /** one line per engine event (pass-through tasks, timers, incidents); stderr by default */
  log?: (line: string) => void;
  /** run JavaScript script conditions and script tasks of the model */
  allowScripts?: boolean;
  /** Host names accepted besides loopback (also `allowedHosts` in bpmn-resource-api.json) */
  allowedHosts?: string[];
  /** the one browser origin allowed by CORS */
  cors?: string;
}

export interface RunningFacade {
  app: FastifyInstance;
  api: ApiModel;
  engine: ProcessEngineAdapter;
  url: string;
  /** warnings of `check` on the served files */
  warnings: string[];
  close(): Promise<void>;
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
  const engine = createEngine(choice, { api, projects, dataDir: o.dataDir, log, allowScripts: o.allowScripts, maxLiveEngines: o.maxLiveEngines });
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
  const app = await buildFacade({ api, engine, token: o.token, bodyLimit: o.bodyLimit, requestTimeout: o.requestTimeout, host, allowedHosts, cors: o.cors, requestLog: o.requestLog });
  await app.listen({ port: o.port ?? 3000, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { app, api, engine, url, warnings, close: () => app.close() };
}
