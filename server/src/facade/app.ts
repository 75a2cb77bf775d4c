import { timingSafeEqual, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiModel, ApiResource } from './api';
import { storageKey, uriOf } from './api';
import { buildOpenApi } from './openapi';
import { EngineError, type InstanceSnapshot, type ProcessEngineAdapter, type ResourceData } from './ports';
import { HttpProblem, sendProblem } from './problems';
import {
  collectionIds,
  collectionMethods,
  itemRepresentation,
  possibleItemMethods,
  resourceState,
  type ResourceState,
} from './representation';
import { dedupeErrors, Validators } from './schemas';

export interface FacadeOptions {
  api: ApiModel;
  engine: ProcessEngineAdapter;
  /** bearer token required on every request when set */
  token?: string;
  /** request body limit in bytes (413 above) */
  bodyLimit?: number;
  /** serve interactive docs at /docs */
  docs?: boolean;
}

const HAL = 'application/hal+json';
const BUSINESS_KEY = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Time-ordered, so listing by key lists by creation. */
export function generateBusinessKey(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}

export async function buildFacade(options: FacadeOptions): Promise<FastifyInstance> {
  const { api, engine } = options;
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024, exposeHeadRoutes: false });
  const validators = new Validators(api.model);
  const openapi = buildOpenApi(api, { token: Boolean(options.token) });

  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(['application/merge-patch+json', HAL], { parseAs: 'string' }, jsonParser);

  if (options.token) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    app.addHook('onRequest', async (req, reply) => {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        reply.header('WWW-Authenticate', 'Bearer');
        return sendProblem(reply, 401, 'a valid bearer token is required (Authorization: Bearer …)');
      }
    });
  }

  // Representations are HAL; a client that asks only for plain JSON gets the same body as application/json.
  app.addHook('onSend', async (req, reply, payload) => {
    const ct = reply.getHeader('content-type');
    if (typeof ct === 'string' && ct.startsWith(HAL)) {
      reply.header('Vary', 'Accept');
      if (wantsPlainJson(req.headers.accept)) reply.type('application/json');
    }
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof HttpProblem) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return sendProblem(reply, err.status, err.detail, err.extensions);
    }
    if (err instanceof EngineError) return sendProblem(reply, err.status, err.message);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, 413, `the body is larger than the limit of ${options.bodyLimit ?? 1048576} bytes`);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(reply, 415, 'send JSON: Content-Type application/json (or application/merge-patch+json for PATCH)');
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const detail = err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the body is empty: send a JSON object' : `the body is not valid JSON: ${err.message}`;
      return sendProblem(reply, err.statusCode, err.statusCode === 400 ? detail : err.message);
    }
    process.stderr.write(`bpmn-resource-api: ${err.stack ?? err.message}\n`);
    return sendProblem(reply, 500, 'internal error; see the server log');
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 404, `no resource at ${req.url}`));

  const methodNotAllowed = (allow: string[]) => new HttpProblem(405, `allowed here: ${allow.join(', ')}`, {}, { Allow: allow.join(', ') });

  const noInstance = (key: string) => new HttpProblem(404, `no instance with business key '${key}'`);
  const noItem = (res: ApiResource, params: Record<string, string>) =>
    new HttpProblem(404, `no ${res.resource.name} '${params[res.resource.idParam!]}' in instance '${params.businessKey}'`);

  const loadInstance = async (key: string): Promise<InstanceSnapshot> => {
    const snap = await engine.get(key);
    if (!snap) throw noInstance(key);
    return snap;
  };

  const requireObject = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpProblem(400, 'the body must be a JSON object');
    return body as Record<string, unknown>;
  };

  const validate = (res: ApiResource, body: Record<string, unknown>, mode: 'replace' | 'patch', extra = {}) => {
    const errors = dedupeErrors(validators.validate(res.resource.cls, body, mode, extra));
    if (errors.length) {
      throw new HttpProblem(400, `${errors.length} field${errors.length === 1 ? '' : 's'} of ${res.resource.name} ${errors.length === 1 ? 'is' : 'are'} invalid: ${errors.map((e) => `${e.name} ${e.reason}`).join('; ')}`, {
        type: 'https://bpmn-resource-api.dev/problems/validation',
        errors,
      });
    }
  };

  const sendItem = (reply: FastifyReply, res: ApiResource, snap: InstanceSnapshot, params: Record<string, string>, state: ResourceState, status = 200) => {
    reply.header('ETag', state.etag).header('Allow', state.allow.join(', '));
    return reply.code(status).type(HAL).send(itemRepresentation(api, res, snap, params, state));
  };

  const notWritable = (res: ApiResource, snap: InstanceSnapshot, state: ResourceState): HttpProblem => {
    const names = res.activities.map((a) => `'${a.name ?? a.id}'`).join(' or ');
    const now =
      snap.state === 'completed'
        ? 'the process has ended'
        : snap.waiting.length
          ? `the process is at ${[...new Set(snap.waiting.map((w) => api.process.activities.find((a) => a.id === w.activityId)?.name ?? w.activityId))].map((n) => `'${n}'`).join(', ')}`
          : 'no activity is active';
    return new HttpProblem(409, `${res.resource.name} can be written only while ${names} is active; ${now}`, { allow: state.allow }, { Allow: state.allow.join(', ') });
  };

  const checkIfMatch = (req: FastifyRequest, state: ResourceState) => {
    const h = req.headers['if-match'];
    if (!h || h.trim() === '*') return;
    const tags = h.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!tags.includes(state.etag)) {
      throw new HttpProblem(412, `the resource has changed (its ETag is ${state.etag}); GET it again and retry`, {}, { ETag: state.etag });
    }
  };

  for (const res of api.resources) {
    const itemAllowed = possibleItemMethods(res);
    app.route({
      method: [...ALL_METHODS],
      url: res.itemRoute,
      handler: async (req, reply) => {
        const params = req.params as Record<string, string>;
        const method = req.method;
        if (!itemAllowed.includes(method)) {
          const snap = await engine.get(params.businessKey);
          const state = resourceState(res, snap, params);
          throw methodNotAllowed(state.exists ? state.allow : itemAllowed);
        }
        if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
          const snap = await loadInstance(params.businessKey);
          const state = resourceState(res, snap, params);
          if (!state.exists) throw noItem(res, params);
          if (method === 'OPTIONS') return reply.code(204).header('Allow', state.allow.join(', ')).send();
          if (method === 'HEAD') return reply.code(200).header('ETag', state.etag).header('Allow', state.allow.join(', ')).type(HAL).send();
          const inm = req.headers['if-none-match'];
          if (inm && inm.split(',').map((t) => t.trim()).includes(state.etag)) return reply.code(304).header('ETag', state.etag).send();
          return sendItem(reply, res, snap, params, state);
        }
        if (method === 'DELETE') {
          if (!(await engine.delete(params.businessKey))) throw noInstance(params.businessKey);
          return reply.code(204).send();
        }
        // PUT: replace and complete; PATCH: merge and keep the activity active.
        const body = requireObject(req.body);
        validate(res, body, method === 'PUT' ? 'replace' : 'patch');
        const key = storageKey(res, params);
        const after = await engine.update(params.businessKey, (snap) => {
          const state = resourceState(res, snap, params);
          if (!state.exists) throw noItem(res, params);
          if (!state.writers.length) throw notWritable(res, snap, state);
          checkIfMatch(req, state);
          if (method === 'PUT') return { data: { [key]: body as ResourceData }, complete: { executionId: state.writers[0].executionId } };
          return { data: { [key]: mergePatch(state.data, body) } };
        });
        if (!after) throw noInstance(params.businessKey);
        return sendItem(reply, res, after, params, resourceState(res, after, params));
      },
    });

    if (!res.collectionRoute) continue;
    const allowed = collectionMethods(res);
    app.route({
      method: [...ALL_METHODS],
      url: res.collectionRoute,
      handler: async (req, reply) => {
        const params = req.params as Record<string, string>;
        if (!allowed.includes(req.method)) throw methodNotAllowed(allowed);
        if (req.method === 'OPTIONS') return reply.code(204).header('Allow', allowed.join(', ')).send();
        if (res.isRoot && req.method === 'POST') return createInstance(req, reply, res);
        if (res.isRoot) return listInstances(req, reply, res);
        const snap = await loadInstance(params.businessKey);
        const items = collectionIds(res, snap, params).map((id) => {
          const p = { ...params, [res.resource.idParam!]: id };
          const state = resourceState(res, snap, p);
          return { ...state.data, [res.resource.idParam!]: id, _links: { self: { href: uriOf(res.resource.uri, p) } }, ...(state.writers.length ? { _writable: true } : {}) };
        });
        reply.header('Allow', allowed.join(', '));
        if (req.method === 'HEAD') return reply.type(HAL).send();
        return reply.type(HAL).send({
          _links: { self: { href: uriOf(res.resource.collectionUri!, params) }, up: { href: uriOf(res.resource.parent!.uri, params) } },
          count: items.length,
          _embedded: { [res.resource.segment]: items },
        });
      },
    });
  }

  const createInstance = async (req: FastifyRequest, reply: FastifyReply, res: ApiResource) => {
    const body = requireObject(req.body ?? {});
    validate(res, body, 'replace', { businessKey: { type: 'string', pattern: BUSINESS_KEY.source } });
    const { businessKey: given, ...data } = body as { businessKey?: string } & ResourceData;
    const businessKey = given ?? generateBusinessKey();
    const snap = await engine.start({ processId: api.process.id, businessKey, data: { [res.resource.name]: data } });
    const params = { businessKey };
    const location = uriOf(res.resource.uri, params);
    reply.header('Location', location);
    return sendItem(reply, res, snap, params, resourceState(res, snap, params), 201);
  };

  const listInstances = async (req: FastifyRequest, reply: FastifyReply, res: ApiResource) => {
    const q = req.query as Record<string, string | undefined>;
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(offset) || offset < 0) throw new HttpProblem(400, 'offset must be a whole number ≥ 0', { errors: [{ name: 'offset', pointer: '?offset', reason: 'must be a whole number ≥ 0' }] });
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpProblem(400, 'limit must be a whole number from 1 to 100', { errors: [{ name: 'limit', pointer: '?limit', reason: 'must be 1 to 100' }] });
    const page = await engine.list({ offset, limit });
    const base = res.resource.collectionUri!;
    const links: Record<string, unknown> = { self: { href: `${base}?offset=${offset}&limit=${limit}` } };
    if (offset + limit < page.total) links.next = { href: `${base}?offset=${offset + limit}&limit=${limit}` };
    if (offset > 0) links.prev = { href: `${base}?offset=${Math.max(0, offset - limit)}&limit=${limit}` };
    reply.header('Allow', collectionMethods(res).join(', '));
    if (req.method === 'HEAD') return reply.type(HAL).send();
    return reply.type(HAL).send({
      _links: links,
      total: page.total,
      offset,
      limit,
      _embedded: {
        [res.resource.segment]: page.items.map((s) => ({
          businessKey: s.businessKey,
          state: s.state,
          startedAt: s.startedAt,
          ...(s.data[res.resource.name] ?? {}),
          _links: { self: { href: uriOf(res.resource.uri, { businessKey: s.businessKey }) } },
        })),
      },
      _templates: { default: { title: `start ${api.process.name ?? api.process.id}`, method: 'POST', contentType: 'application/json', properties: [{ name: 'businessKey', type: 'text' }] } },
    });
  };

  app.route({
    method: [...ALL_METHODS],
    url: '/messages/:messageName',
    handler: async (req, reply) => {
      if (req.method === 'OPTIONS') return reply.code(204).header('Allow', 'POST, OPTIONS').send();
      if (req.method !== 'POST') throw methodNotAllowed(['POST', 'OPTIONS']);
      const { messageName } = req.params as { messageName: string };
      const endpoint = api.messages.get(messageName);
      if (!endpoint) throw new HttpProblem(404, `the process has no message '${messageName}'`);
      const body = requireObject(req.body ?? {});
      const unknown = Object.keys(body).filter((k) => k !== 'businessKey');
      if (unknown.length) throw new HttpProblem(400, `unknown fields: ${unknown.join(', ')} (a message takes only businessKey)`, { errors: unknown.map((n) => ({ name: n, pointer: `/${n}`, reason: 'is not allowed' })) });
      const businessKey = body.businessKey;
      if (businessKey !== undefined && (typeof businessKey !== 'string' || !BUSINESS_KEY.test(businessKey))) {
        throw new HttpProblem(400, 'businessKey must be a string of letters, digits, ".", "_", "~" or "-"', { errors: [{ name: 'businessKey', pointer: '/businessKey', reason: 'has the wrong form' }] });
      }
      const starts = endpoint.triggers.some((t) => t.kind === 'startEvent' && !t.parent);
      if (typeof businessKey === 'string' && (await engine.get(businessKey))) {
        const after = await engine.update(businessKey, (snap) => {
          const w = snap.waiting.find((x) => x.messageName === messageName);
          if (!w) throw new HttpProblem(404, `instance '${businessKey}' is not waiting for message '${messageName}'`);
          return w.kind === 'receiveTask' ? { data: {}, complete: { executionId: w.executionId } } : { data: {}, messageId: endpoint.messageId ?? messageName };
        });
        return reply.code(200).send({ businessKey, state: after!.state, _links: { instance: { href: uriOf(api.root.resource.uri, { businessKey }) } } });
      }
      if (!starts) {
        throw new HttpProblem(404, typeof businessKey === 'string' ? noInstance(businessKey).detail : `no instance waits for message '${messageName}': send the businessKey to correlate`);
      }
      const key = (businessKey as string | undefined) ?? generateBusinessKey();
      const snap = await engine.start({ processId: api.process.id, businessKey: key, data: {}, startMessage: { messageId: endpoint.messageId ?? messageName } });
      const location = uriOf(api.root.resource.uri, { businessKey: key });
      return reply.code(201).header('Location', location).send({ businessKey: key, state: snap.state, _links: { instance: { href: location } } });
    },
  });

  app.get('/openapi.json', async (_req, reply) => reply.send(openapi));

  if (options.docs !== false) {
    const plugins = loadDocsPlugins();
    if (plugins) {
      await app.register(plugins.swagger, { mode: 'static', specification: { document: openapi } });
      await app.register(plugins.swaggerUi, { routePrefix: '/docs' });
    } else {
      // The bundled CLI inside the VS Code extension ships without swagger-ui's static files.
      app.get('/docs', async (_req, reply) => sendProblem(reply, 404, 'interactive docs are not installed here; the OpenAPI document is at /openapi.json'));
    }
  }
  app.addHook('onClose', async () => engine.close());
  return app;
}

function wantsPlainJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  return types.includes('application/json') && !types.includes(HAL);
}

function loadDocsPlugins(): { swagger: any; swaggerUi: any } | undefined {
  try {
    return { swagger: require('@fastify/swagger'), swaggerUi: require('@fastify/swagger-ui') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): ResourceData {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch as ResourceData;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = typeof v === 'object' && !Array.isArray(v) ? mergePatch(out[k], v) : v;
  }
  return out;
}
