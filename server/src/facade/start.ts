import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { checkBpmn } from '../core/check';
import { UsageError } from '../node/files';
import { loadProject, requireModel } from '../node/project';
import { buildApi, type ApiModel } from './api';
import { buildFacade } from './app';
import { EmbeddedEngine } from './embedded/embeddedEngine';

export interface StartOptions {
  bpmnFile: string;
  model?: string;
  engine?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  token?: string;
  bodyLimit?: number;
  maxLiveEngines?: number;
}

export interface RunningFacade {
  app: FastifyInstance;
  api: ApiModel;
  url: string;
  close(): Promise<void>;
}

/** Loads and checks both models, then builds the API (refuses models with errors: their routes would be wrong). */
export function loadApi(bpmnFile: string, model?: string): { api: ApiModel; source: string; warnings: string[]; project: ReturnType<typeof loadProject> } {
  const project = loadProject(bpmnFile, model);
  requireModel(project);
  const { diagnostics } = checkBpmn(project.doc, project.model!.model, { tree: project.model!.tree });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new UsageError(`${bpmnFile} has ${errors.length} error${errors.length === 1 ? '' : 's'} (run 'check' for all): ${errors[0].code}: ${errors[0].message}`);
  }
  const warnings = diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code}: ${d.message}`);
  return { api: buildApi(project.analysis), source: project.text, warnings, project };
}

export async function startFacade(o: StartOptions): Promise<RunningFacade> {
  const engineName = o.engine ?? 'embedded';
  if (engineName !== 'embedded') {
    throw new UsageError(`engine '${engineName}' is not available in this version; use --engine embedded`);
  }
  const { api, source, project } = loadApi(o.bpmnFile, o.model);
  const dataDir = path.resolve(o.dataDir ?? path.join('.bpmn-resource-api', api.process.id));
  const engine = new EmbeddedEngine({ source, doc: project.doc, dataDir, maxLiveEngines: o.maxLiveEngines });
  await engine.init();
  const app = await buildFacade({ api, engine, token: o.token, bodyLimit: o.bodyLimit });
  const host = o.host ?? '127.0.0.1';
  await app.listen({ port: o.port ?? 3000, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { app, api, url, close: () => app.close() };
}
