/**
 * `GET /metrics` in the Prometheus text format (prom-client), when `serve --metrics` asks for it: requests by
 * route template, method and status with their latency; engine operations (the port's calls) by operation and
 * outcome with their latency; instances started and completed, incidents; the embedded engine's instances and
 * its store's write latency; Node's own process metrics. Names start with `bra_` (README lists them).
 *
 * Engine calls are counted at the port (ports.ts), one place for every engine: an operation is what the facade
 * asked the engine to do (start, get, list, update, delete, notReady), whatever REST calls it took.
 */
import type { FastifyInstance } from 'fastify';
import type * as Prom from 'prom-client';
import type { InstanceSnapshot, MessageRequest, ProcessEngineAdapter, WriteRequest } from './ports';
import { readOnlyRoute } from './http';

export interface FacadeMetrics {
  registry: Prom.Registry;
  /** the engine, its calls counted */
  engine: ProcessEngineAdapter;
  /** the embedded store's write latency, in seconds */
  observeStoreWrite(seconds: number): void;
}

/** Seconds: from a tenth of a millisecond (a cached read) to ten seconds (a remote engine's retry). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(engine: ProcessEngineAdapter, instanceCount?: () => number): FacadeMetrics {
  // Loaded only with --metrics: check, routes and a serve without metrics do not pay for it.
  const prom = require('prom-client') as typeof Prom;
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: 'bra_' });
  const engineCalls = new prom.Counter({ name: 'bra_engine_calls_total', help: 'Engine operations by operation and outcome (ok; refused: the facade refused the write on what the engine said, e.g. 409; else the engine error kind)', labelNames: ['engine', 'operation', 'outcome'], registers: [registry] });
  const engineSeconds = new prom.Histogram({ name: 'bra_engine_call_duration_seconds', help: 'Engine operation latency', labelNames: ['engine', 'operation'], buckets: BUCKETS, registers: [registry] });
  const started = new prom.Counter({ name: 'bra_instances_started_total', help: 'Process instances started through the facade', registers: [registry] });
  const completed = new prom.Counter({ name: 'bra_instances_completed_total', help: 'Process instances a write of the facade completed', registers: [registry] });
  const incidents = new prom.Counter({ name: 'bra_incidents_total', help: 'Writes after which the instance was an incident it was not before', registers: [registry] });
  const storeWrites = new prom.Histogram({ name: 'bra_store_write_duration_seconds', help: "Embedded engine: an instance record's durable write (write and fdatasync)", buckets: BUCKETS, registers: [registry] });
  if (instanceCount) {
    new prom.Gauge({ name: 'bra_embedded_instances', help: 'Embedded engine: instances in the data directory (active, completed, incidents)', registers: [registry], collect() { this.set(instanceCount()); } });
  }
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const stop = engineSeconds.startTimer({ engine: engine.name, operation });
    try {
      const out = await call();
      engineCalls.inc({ engine: engine.name, operation, outcome: 'ok' });
      return out;
    } catch (e) {
      engineCalls.inc({ engine: engine.name, operation, outcome: outcomeOf(e) });
      throw e;
    } finally {
      stop();
    }
  };
  const counted: ProcessEngineAdapter = {
    name: engine.name,
    init: () => engine.init(),
    close: () => engine.close(),
    start: async (req) => {
      const s = await timed('start', () => engine.start(req));
      started.inc();
      if (s.state === 'completed') completed.inc();
      return s;
    },
    get: (key, options) => timed('get', () => engine.get(key, options)),
    list: (page) => timed('list', () => engine.list(page)),
    delete: (key) => timed('delete', () => engine.delete(key)),
    notReady: () => timed('notReady', () => engine.notReady()),
    update: async (key, decide, options) => {
      // The state before the write, from the snapshot the write was decided on (the last one, when the
      // adapter decided again), so a completion or incident is counted once, when it happens.
      let before: InstanceSnapshot | undefined;
      const watching = (s: InstanceSnapshot): WriteRequest | MessageRequest | undefined => {
        before = s;
        return decide(s);
      };
      const after = await timed('update', () => engine.update(key, watching, options));
      if (after && before) {
        if (after.state === 'completed' && before.state !== 'completed') completed.inc();
        if (after.incident && !before.incident) incidents.inc();
      }
      return after;
    },
  };
  return { registry, engine: counted, observeStoreWrite: (s) => storeWrites.observe(s) };
}

/** The request metrics and the route that serves them. */
export function metricsRoutes(app: FastifyInstance, metrics: FacadeMetrics): void {
  const prom = require('prom-client') as typeof Prom;
  const labels = ['route', 'method', 'status'];
  const requests = new prom.Counter({ name: 'bra_http_requests_total', help: 'HTTP requests by route template, method and status', labelNames: labels, registers: [metrics.registry] });
  const seconds = new prom.Histogram({ name: 'bra_http_request_duration_seconds', help: 'HTTP request latency by route template, method and status', labelNames: labels, buckets: BUCKETS, registers: [metrics.registry] });
  app.addHook('onResponse', async (req, reply) => {
    // The template, never the path: a label per business key would grow without end.
    const route = req.routeOptions.url ?? 'unmatched';
    const l = { route, method: req.method, status: String(reply.statusCode) };
    requests.inc(l);
    seconds.observe(l, reply.elapsedTime / 1000);
  });
  readOnlyRoute(app, '/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).header('Cache-Control', 'no-store').send(await metrics.registry.metrics()));
}

/** ok is counted apart; a refusal of the facade's own (an HttpProblem: 409, 412, 400) is `refused`; an engine error its kind. */
function outcomeOf(e: unknown): string {
  const err = e as { kind?: string; status?: number };
  if (err.kind) return err.kind;
  return typeof err.status === 'number' && err.status < 500 ? 'refused' : 'error';
}
