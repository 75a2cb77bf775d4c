import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiModel } from './api';
import { FacadeContext } from './context';
import { collectionHandler } from './handlers/collection';
import { itemHandler } from './handlers/item';
import { messageHandler } from './handlers/messages';
import { ALL_METHODS, createServer, readOnlyRoute } from './http';
import { buildOpenApi } from './openapi';
import type { ProcessEngineAdapter } from './ports';
import { sendProblem } from './problems';
import { healthRoutes, Lifecycle } from './health';
import { metricsRoutes, type FacadeMetrics } from './metrics';
import { inRequest } from './requestContext';

export interface FacadeOptions {
  api: ApiModel;
  engine: ProcessEngineAdapter;
  /** bearer token required on every request when set */
  token?: string;
  /** request body limit in bytes (413 above) */
  bodyLimit?: number;
  /** whole-request time limit in ms (30 s) */
  requestTimeout?: number;
  /** serve interactive docs at /docs */
  docs?: boolean;
  /** the bind address, Host names accepted besides loopback, the one CORS origin (http.ts) */
  host?: string;
  allowedHosts?: string[];
  cors?: string;
  /** one line per answered request (`GET /application/k 200 1.2 ms`), for `serve --log-requests` and the editor's output */
  requestLog?: (line: string) => void;
  /** --log-format json: request lines go to this logger (fastify's own, pino) as JSON, with the request id */
  logger?: Logger;
  /** set by the shutdown: readiness answers 503 and responses close their connections (health.ts) */
  lifecycle?: Lifecycle;
  /** serve GET /metrics and count requests (metrics.ts); the engine given is then the counted one */
  metrics?: FacadeMetrics;
}

/** Routes whose requests are not written to the request log: probes and scrapes every few seconds would drown it. */
const UNLOGGED_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/** The facade: named handlers over one context, on the HTTP plumbing of http.ts. */
export async function buildFacade(options: FacadeOptions): Promise<FastifyInstance> {
  const { api, engine } = options;
  const app = createServer(options);
  const ctx = new FacadeContext(api, engine);
  const openapi = buildOpenApi(api, { token: Boolean(options.token) });

  // Handlers run inside their request's context: the engine calls they make carry its id (requestContext.ts).
  app.addHook('preHandler', (req, _reply, done) => inRequest(req.id, done));
  for (const res of api.resources) {
    app.route({ method: ALL_METHODS, url: res.itemRoute, handler: itemHandler(ctx, res) });
    if (res.collectionRoute) app.route({ method: ALL_METHODS, url: res.collectionRoute, handler: collectionHandler(ctx, res) });
  }
  app.route({ method: ALL_METHODS, url: '/messages/:messageName', handler: messageHandler(ctx) });
  readOnlyRoute(app, '/openapi.json', async (_req, reply) => reply.send(openapi));
  const lifecycle = options.lifecycle ?? new Lifecycle();
  healthRoutes(app, engine, lifecycle);
  if (options.metrics) metricsRoutes(app, options.metrics);
  // While shutting down, clients are told not to reuse the connection: none is left idle to be cut.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (lifecycle.draining) reply.header('Connection', 'close');
    return payload;
  });
  const requestLog = options.requestLog;
  if (requestLog) {
    app.addHook('onResponse', async (req, reply) => {
      if (UNLOGGED_ROUTES.has(req.routeOptions.url ?? '')) return;
      const ms = Number(reply.elapsedTime.toFixed(1));
      // With a logger (--log-format json) the line is its request-bound child's: the request id comes with it.
      if (options.logger) req.log.info({ method: req.method, url: req.url, route: req.routeOptions.url, status: reply.statusCode, durationMs: ms }, 'request');
      else requestLog(`${req.method} ${req.url} ${reply.statusCode} ${ms} ms`);
    });
  }
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 404, `no resource at ${req.url}`));

  if (options.docs !== false) {
    // Loaded only when docs are served (not by check or routes); bundled into the .vsix's cli.js.
    await app.register(require('@fastify/swagger'), { mode: 'static', specification: { document: openapi } });
    // In the bundled CLI (the .vsix) the page's files sit beside cli.js (scripts/bundle.js copies them).
    const bundled = path.join(__dirname, 'swagger-ui');
    const files = fs.existsSync(path.join(bundled, 'swagger-ui-bundle.js'))
      ? { baseDir: bundled, logo: { type: 'image/svg+xml', content: fs.readFileSync(path.join(bundled, 'logo.svg')) } }
      : {};
    // deepLinking: the editor opens a resource's section as /docs#/<Resource>.
    // The page's "Try it out" goes to the server `../` relative to /docs/json: this server's root, also when
    // a proxy puts the API under a path (code-server's /proxy/PORT/, where the editor opens the docs).
    await app.register(require('@fastify/swagger-ui'), {
      routePrefix: '/docs',
      uiConfig: { deepLinking: true },
      transformSpecification: (spec: Record<string, unknown>) => ({ ...spec, servers: [{ url: '../', description: 'this server' }] }),
      ...files,
    });
  }
  app.addHook('onClose', async () => engine.close());
  return app;
}
