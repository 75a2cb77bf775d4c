/**
 * HTTP plumbing of the facade, apart from its handlers: the server and its timeouts, body parsing
 * (judged after method and route), the bearer token, content negotiation, and the mapping of errors to
 * problem+json.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { EngineError, type EngineErrorKind } from './ports';
import { HttpProblem, sendProblem } from './problems';
import { REQUEST_ID_HEADER, requestIdOf } from './requestContext';

export const HAL = 'application/hal+json';
const JSON_TYPES = ['application/json', 'application/merge-patch+json', HAL];

export interface HttpOptions {
  /** serve --log-format json: fastify's own logger (pino), whose request-bound child carries the request id */
  logger?: Logger;
  bodyLimit?: number;
  token?: string;
  /** whole-request time limit (headers and body), ms */
  requestTimeout?: number;
  /** the address the server binds to (decides which Host values are accepted by default) */
  host?: string;
  /** Host names accepted besides loopback ones (`--allowed-host`) */
  allowedHosts?: string[];
  /** the one origin that may call the API from a browser (`--cors`) */
  cors?: string;
}

/** Paths that hold no instance data: readable without the token, so a browser can open the docs. */
const PUBLIC_PATHS = /^\/(openapi\.json|docs)(\/|\?|$)/;
/** Health probes come from load balancers and orchestrators, which name the host by its address and accept anything. */
const HEALTH_PATH = /^\/health\/(live|ready)(\?|$)/;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h) || h.endsWith('.localhost');
}

/** The host name of a Host header, without port and brackets; undefined when it is not one. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  return m ? m[1].replace(/^\[|\]$/g, '').toLowerCase() : undefined;
}

/**
 * Which Host values the server answers. Bound to loopback, only names of loopback (and the listed
 * ones): a web page whose own name was rebound to 127.0.0.1 (DNS rebinding) sends its own name and is
 * refused, as Vite and webpack-dev-server do. Bound elsewhere, the list narrows it when given.
 */
export function hostAllowed(header: string | undefined, bind: string, allowed: readonly string[]): boolean {
  const name = hostName(header);
  if (name === undefined) return false;
  const listed = allowed.some((a) => a.toLowerCase() === name);
  if (isLoopbackAddress(bind)) return isLoopbackAddress(name) || listed;
  return allowed.length === 0 || listed || isLoopbackAddress(name);
}

const ENGINE_STATUS: Record<EngineErrorKind, number> = { 'not-found': 404, conflict: 409, rejected: 422, unavailable: 503, 'storage-full': 507 };
/** fastify's maxParamLength: well above the longest business key (128) and engine item ids (Camunda 7: 36). */
export const MAX_PARAM_LENGTH = 512;

export function createServer(o: HttpOptions): FastifyInstance {
  const requestTimeout = o.requestTimeout ?? 30_000;
  const app = Fastify({
    // fastify's own lines per request are off: app.ts writes one line per request, with the route template.
    ...(o.logger ? { loggerInstance: o.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    // The client's X-Request-Id when it is a sane token, else a new one (requestContext.ts).
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    exposeHeadRoutes: false,
    // A client that sends headers and part of a body must not hold the connection: Node checks the
    // whole-request deadline every `connectionsCheckingInterval`, so that is kept short too.
    requestTimeout,
    connectionTimeout: requestTimeout * 2,
    http: { headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout) } as never,
    // Above the longest business key (128, context.ts) and any engine's item id; fastify's default (100)
    // made an instance with a longer key, which POST accepts, unreachable (414).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // What fastify's router refuses before our handlers (a malformed escape, an overlong segment) is a
    // problem too, not fastify's own JSON error shape.
    frameworkErrors: (err: Error & { code?: string }, _req, reply) => {
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(reply, 414, `a path segment is longer than ${MAX_PARAM_LENGTH} characters`);
      if (err.code === 'FST_ERR_BAD_URL') return sendProblem(reply, 400, 'the path is not a valid URL (a malformed %-escape)');
      return sendProblem(reply, 400, err.message);
    },
  });
  addBodyParsers(app);
  addGuards(app, o);
  // Representations are HAL with HAL-FORMS templates; the Content-Type is the one the client prefers of
  // the three that describe the same body.
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    const ct = reply.getHeader('content-type');
    if (typeof ct === 'string' && ct.startsWith(HAL)) {
      reply.header('Vary', 'Accept');
      reply.type(negotiate(req.headers.accept));
    }
    return payload;
  });
  if (o.cors) {
    // Off unless asked: exactly one origin, and the headers the API uses.
    void app.register(require('@fastify/cors'), {
      origin: [o.cors],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'If-Match', 'If-None-Match', 'Accept', REQUEST_ID_HEADER],
      exposedHeaders: ['ETag', 'Location', 'Allow', 'Content-Location', REQUEST_ID_HEADER],
    });
  }
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => answerError(err, reply, o.bodyLimit ?? 1048576, Boolean(o.logger)));
  return app;
}

/**
 * Bodies are parsed to a value or `undefined` when empty: whether a body is needed is the handler's
 * business, after method and route are known (OPTIONS, GET, DELETE with a JSON Content-Type and no body).
 * fastify's own JSON parser refuses `__proto__` and `constructor` keys (prototype poisoning).
 */
function addBodyParsers(app: FastifyInstance): void {
  const secureJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (req, text, done) => {
    if (String(text).trim() === '') return done(null, undefined);
    secureJson(req, text as string, (err: Error | null, value?: unknown) => {
      if (err) done(new HttpProblem(400, `the body is not valid JSON: ${err.message}`), undefined);
      else done(null, value);
    });
  });
  // Other media types: accepted here as raw text so that the handler can answer 415 (or ignore it on reads).
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, text, done) => {
    done(null, String(text) === '' ? undefined : new UnsupportedBody(String(req.headers['content-type'] ?? '')));
  });
}

/** What every request passes before a handler: the Host (first: a refused Host learns nothing), Accept, the token. */
function addGuards(app: FastifyInstance, o: HttpOptions): void {
  const bind = o.host ?? '127.0.0.1';
  const allowedHosts = o.allowedHosts ?? [];
  app.addHook('onRequest', async (req, reply) => {
    if (HEALTH_PATH.test(req.url)) return;
    if (!hostAllowed(req.headers.host, bind, allowedHosts)) {
      return sendProblem(reply, 403, `Host '${req.headers.host ?? ''}' is not allowed here: use localhost, 127.0.0.1 or [::1]${allowedHosts.length ? ` or ${allowedHosts.join(', ')}` : ''} (serve --allowed-host adds a name)`);
    }
  });
  // A client that accepts none of the types the API speaks gets 406 (the docs page is HTML: not judged).
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/docs') || HEALTH_PATH.test(req.url)) return;
    if (!acceptable(req.headers.accept)) {
      return sendProblem(reply, 406, `this API answers ${[...REPRESENTATION_TYPES, 'application/problem+json'].join(', ')}; the request accepts none of them (Accept: ${req.headers.accept})`);
    }
  });
  if (!o.token) return;
  const expected = Buffer.from(`Bearer ${o.token}`);
  app.addHook('onRequest', async (req, reply) => {
    if (((req.method === 'GET' || req.method === 'HEAD') && PUBLIC_PATHS.test(req.url)) || HEALTH_PATH.test(req.url)) return;
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      reply.header('WWW-Authenticate', 'Bearer');
      return sendProblem(reply, 401, 'a valid bearer token is required (Authorization: Bearer …)');
    }
  });
}

/** Every error as problem+json with its status: ours, the engine's (kind → status), fastify's 4xx, else 500 logged. */
function answerError(err: Error & { statusCode?: number; code?: string }, reply: FastifyReply, bodyLimit: number, logged = false): FastifyReply {
  if (err instanceof HttpProblem) {
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return sendProblem(reply, err.status, err.detail, err.extensions);
  }
  if (err instanceof EngineError) {
    const status = ENGINE_STATUS[err.kind];
    const ext = err.element ? { type: 'https://bpmn-resource-api.dev/problems/process-rejected', element: err.element } : err.kind === 'storage-full' ? { type: 'https://bpmn-resource-api.dev/problems/storage-full' } : {};
    if (status === 503) reply.header('Retry-After', '5');
    return sendProblem(reply, status, err.message, ext);
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, 413, `the body is larger than the limit of ${bodyLimit} bytes`);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendProblem(reply, err.statusCode, err.message);
  if (logged) reply.log.error({ err }, 'internal error');
  else process.stderr.write(`bpmn-resource-api: ${err.stack ?? err.message}\n`);
  return sendProblem(reply, 500, 'internal error; see the server log');
}

/** A body of a media type the facade does not read. */
class UnsupportedBody {
  constructor(readonly contentType: string) {}
}

/**
 * The body of a write as a JSON object, or the right problem: 415 for a media type other than JSON,
 * 400 for an empty body, a non-object, or a number JSON cannot carry (1e400 parses as Infinity).
 */
export function requireObject(body: unknown, options: { emptyIs?: Record<string, unknown>; patch?: boolean } = {}): Record<string, unknown> {
  if (body instanceof UnsupportedBody) {
    throw new HttpProblem(415, `'${body.contentType.split(';')[0]}' is not accepted: send JSON (Content-Type application/json${options.patch ? ' or application/merge-patch+json' : ''})`, {}, { Accept: options.patch ? 'application/json, application/merge-patch+json' : 'application/json' });
  }
  if (body === undefined) {
    if (options.emptyIs) return options.emptyIs;
    throw new HttpProblem(400, 'the body is empty: send a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpProblem(400, 'the body must be a JSON object');
  const bad = nonFinite(body, '');
  if (bad.length) {
    throw new HttpProblem(400, `${bad.map((p) => p.slice(1).replace(/\//g, '.')).join(', ')}: numbers must be finite`, {
      errors: bad.map((p) => ({ name: p.slice(1).replace(/\//g, '.'), pointer: p, reason: 'must be a finite number' })),
    });
  }
  return body as Record<string, unknown>;
}

function nonFinite(v: unknown, pointer: string): string[] {
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [pointer];
  if (Array.isArray(v)) return v.flatMap((x, i) => nonFinite(x, `${pointer}/${i}`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => nonFinite(x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [];
}

export function methodNotAllowed(allow: readonly string[]): HttpProblem {
  return new HttpProblem(405, `allowed here: ${allow.join(', ')}`, {}, { Allow: allow.join(', ') });
}

// TRACE is routed too, so that it gets 405 with Allow rather than 404.
export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

/** A document that is only read (the OpenAPI document, health, metrics): GET and HEAD, every other method 405 with Allow. */
export function readOnlyRoute(app: FastifyInstance, url: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void {
  app.route({
    method: ALL_METHODS,
    url,
    handler: async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
      return handler(req, reply);
    },
  });
}

const HAL_FORMS = 'application/prs.hal-forms+json';
const REPRESENTATION_TYPES = [HAL, HAL_FORMS, 'application/json'];

/** The media ranges of an Accept header that admit anything (q > 0), most preferred first (q, then order). */
function acceptRanges(accept: string): string[] {
  return accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((r) => r.type);
}

const ANY = ['*/*', 'application/*'];

/** Whether an Accept header admits at least one type this API answers with. */
function acceptable(accept: string | undefined): boolean {
  if (!accept || !accept.trim()) return true;
  return acceptRanges(accept).some((t) => ANY.includes(t) || REPRESENTATION_TYPES.includes(t) || t === 'application/problem+json');
}

/** The media type of a representation by the Accept header's preferences (q-values, then order); HAL by default. */
export function negotiate(accept: string | undefined): string {
  if (!accept) return HAL;
  for (const t of acceptRanges(accept)) {
    if (REPRESENTATION_TYPES.includes(t)) return t;
    if (ANY.includes(t)) return HAL;
  }
  return HAL;
}
