/**
 * The composition root of the engine side: which adapter serves, built from the command line, then
 * `bpmn-resource-api.json`'s `engine` object, then the default (embedded). Credentials come only from
 * the environment (the VS Code client passes them from its SecretStorage), never from a settings file.
 */
import * as path from 'node:path';
import { UsageError } from '../node/files';
import type { LoadedProject } from '../node/project';
import { storageKey, type ApiModel } from './api';
import { Camunda7Engine } from './camunda7/camunda7Engine';
import type { EngineAuth } from './camunda7/restClient';
import { EmbeddedEngine } from './embedded/embeddedEngine';
import type { ProcessEngineAdapter } from './ports';

import { ENGINES, type EngineType } from './engineTypes';

export interface EngineChoice {
  type: EngineType;
  /** the remote engine's REST base URL */
  url?: string;
  deploy?: boolean;
  /** per engine call, ms */
  timeout?: number;
  /** Camunda 8: how long to wait for the search to show a command's result, ms */
  consistencyWait?: number;
}

/** Flags win over the config file's `engine` object; warnings say what of the config was ignored. */
export function chooseEngine(flags: { engine?: string; engineUrl?: string; deploy?: boolean }, config: unknown): { choice: EngineChoice; warnings: string[] } {
  const warnings: string[] = [];
  const c = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
  for (const secret of ['password', 'token', 'clientSecret', 'user']) {
    if (secret in c) warnings.push(`bpmn-resource-api.json: engine.${secret} is ignored: credentials come from the environment (BPMN_RESOURCE_API_ENGINE_USER, _PASSWORD, _TOKEN)`);
  }
  const type = flags.engine ?? (typeof c.type === 'string' ? c.type : 'embedded');
  if (!(ENGINES as readonly string[]).includes(type)) throw new UsageError(`unknown engine '${type}'; choose one of ${ENGINES.join(', ')}`);
  const url = flags.engineUrl ?? (typeof c.url === 'string' ? c.url : undefined);
  if (url !== undefined) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UsageError(`--engine-url '${url}' is not a URL (for Camunda 7: http://localhost:8080/engine-rest)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--engine-url must be http(s), not ${u.protocol}`);
  }
  const timeout = typeof c.timeout === 'number' && c.timeout > 0 ? c.timeout : undefined;
  const consistencyWait = typeof c.consistencyWait === 'number' && c.consistencyWait >= 0 ? c.consistencyWait : undefined;
  return { choice: { type: type as EngineType, url, deploy: flags.deploy ?? c.deploy === true, timeout, consistencyWait }, warnings };
}

export function engineAuthFromEnv(env: NodeJS.ProcessEnv = process.env): EngineAuth | undefined {
  const user = env.BPMN_RESOURCE_API_ENGINE_USER;
  const token = env.BPMN_RESOURCE_API_ENGINE_TOKEN;
  if (token) return { token };
  if (user) return { user, password: env.BPMN_RESOURCE_API_ENGINE_PASSWORD ?? '' };
  return undefined;
}

export interface EngineContext {
  api: ApiModel;
  projects: LoadedProject[];
  dataDir?: string;
  log: (line: string) => void;
  allowScripts?: boolean;
  maxLiveEngines?: number;
}

/** Storage keys of the resources below the root that are one per instance (no 1-to-N on their path). */
function singularKeys(api: ApiModel): string[] {
  return api.resources.filter((r) => !r.isRoot && r.path.every((p) => !p.many)).map((r) => storageKey(r, {}));
}

export function createEngine(choice: EngineChoice, ctx: EngineContext): ProcessEngineAdapter {
  const sources = ctx.projects.map((p) => ({ file: p.bpmnFile, text: p.text, doc: p.doc }));
  switch (choice.type) {
    case 'embedded':
      return new EmbeddedEngine({
        sources,
        processId: ctx.api.process.id,
        dataDir: path.resolve(ctx.dataDir ?? path.join('.bpmn-resource-api', ctx.api.process.id)),
        maxLiveEngines: ctx.maxLiveEngines,
        log: ctx.log,
        allowScripts: ctx.allowScripts,
      });
    case 'camunda7':
      if (!choice.url) throw new UsageError('--engine camunda7 needs --engine-url (engine-rest base URL, e.g. http://localhost:8080/engine-rest)');
      return new Camunda7Engine({
        url: choice.url,
        processId: ctx.api.process.id,
        sources,
        rootStorageKey: ctx.api.root.resource.name,
        emptyKeys: singularKeys(ctx.api),
        auth: engineAuthFromEnv(),
        timeout: choice.timeout,
        deploy: choice.deploy,
        log: ctx.log,
      });
    case 'camunda8': {
      // Loaded only here: the Camunda 8 client and its schemas are large, and no other engine needs them.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Camunda8Engine } = require('./camunda8/camunda8Engine') as typeof import('./camunda8/camunda8Engine');
      const url = choice.url ?? process.env.CAMUNDA_REST_ADDRESS;
      if (!url) throw new UsageError('--engine camunda8 needs --engine-url (the orchestration cluster REST address, e.g. http://localhost:8080) or CAMUNDA_REST_ADDRESS');
      const auth = engineAuthFromEnv();
      return new Camunda8Engine({
        url,
        processId: ctx.api.process.id,
        sources,
        rootStorageKey: ctx.api.root.resource.name,
        emptyKeys: singularKeys(ctx.api),
        timeout: choice.timeout,
        consistencyWait: choice.consistencyWait,
        deploy: choice.deploy,
        auth,
        log: ctx.log,
      });
    }
  }
}
