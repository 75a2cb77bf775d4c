import { UsageError } from '../node/files';
import { IdleCollector } from '../node/idleGc';
import { loadApi, startFacade } from '../facade/start';
import { buildOpenApi } from '../facade/openapi';
import { MODEL_OPTION, parse, type Io } from './main';
import type { CommandSpec } from './options';
import { currentRequestId } from '../facade/requestContext';

function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

const SERVE: CommandSpec = {
  name: 'serve',
  synopsis: '<bpmn…|folder>',
  summary: 'Serves the REST API of the process on an engine: embedded (bpmn-engine, state kept in --data-dir) by default, or Camunda 7 / Operaton / Camunda 8 at --engine-url. GET /health/live and /health/ready answer load balancers and orchestrators (no token). SIGTERM or Ctrl-C: readiness answers 503, new connections are refused after --drain-delay, requests in flight finish (at most --shutdown-timeout), then the process exits.',
  minPositionals: 1,
  what: 'the BPMN files or folder',
  options: {
    model: MODEL_OPTION,
    engine: { type: 'string', arg: 'ENGINE', help: 'embedded (default), camunda7 or camunda8; else engine.type of bpmn-resource-api.json' },
    'engine-url': { type: 'string', arg: 'URL', help: "the remote engine's REST base URL (engine-rest, or the orchestration cluster API)" },
    deploy: { type: 'boolean', help: 'deploy the served BPMN files to the remote engine at start' },
    port: { type: 'string', arg: 'N', help: 'port to listen on (default 3000; 0: any free port)' },
    host: { type: 'string', arg: 'H', help: 'address to bind (default 127.0.0.1)' },
    'data-dir': { type: 'string', arg: 'D', help: "the embedded engine's state (default .bpmn-resource-api/<process id> in the working directory)" },
    token: { type: 'string', arg: 'T', help: 'require Authorization: Bearer T on every request but the docs and health' },
    'body-limit': { type: 'string', arg: 'BYTES', help: 'largest request body (default 1048576; 413 above)' },
    'max-live-engines': { type: 'string', arg: 'N', help: 'embedded: instances kept running in memory (default 8); others are recovered from disk' },
    'allow-scripts': { type: 'boolean', help: "run the model's JavaScript script conditions and script tasks (embedded)" },
    'allowed-host': { type: 'string', multiple: true, arg: 'NAME', help: 'a Host name accepted besides loopback ones' },
    cors: { type: 'string', arg: 'ORIGIN', help: 'the one browser origin allowed to call the API' },
    'log-requests': { type: 'boolean', help: 'one line per answered request on stdout' },
    'log-format': { type: 'string', arg: 'text|json', help: 'text (default) or one JSON object a line, with the request id (X-Request-Id, passed on to the engine) on request lines' },
    metrics: { type: 'boolean', help: 'serve GET /metrics in the Prometheus text format (behind --token when there is one)' },
    'drain-delay': { type: 'string', arg: 'MS', help: 'after SIGTERM, go on serving (readiness 503, Connection: close) this long before refusing connections, so a load balancer can take the facade out first (default 0)' },
    'shutdown-timeout': { type: 'string', arg: 'MS', help: 'after SIGTERM, how long requests in flight may take before their connections are closed (default 10000)' },
  },
};

const OPENAPI: CommandSpec = {
  name: 'openapi',
  synopsis: '<bpmn…|folder>',
  summary: 'Prints the OpenAPI 3.1 document of the API that serve would serve.',
  minPositionals: 1,
  what: 'the BPMN files or folder',
  options: { model: MODEL_OPTION },
};

/**
 * serve's own lines: human text (the default, as a terminal and the editor's output channel read it), or with
 * `--log-format json` one JSON object a line from pino, fastify's own logger (`time`, `level`, `msg`; `reqId`
 * where a request caused the line), on stdout, as log collectors read them.
 */
function serveLog(io: Io, format: string) {
  if (format !== 'text' && format !== 'json') throw new UsageError('--log-format must be text or json');
  if (format === 'text') return { logger: undefined, info: (m: string) => io.out(m), warn: (m: string) => io.err(`warning: ${m}`), engine: undefined };
  const pino = require('pino') as typeof import('pino');
  const logger = pino.pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, pino.destination({ fd: 1, sync: true }));
  // Engine events (timers fired, incidents, records dropped at start) inside a request carry its id.
  const withRequest = () => {
    const reqId = currentRequestId();
    return reqId ? { reqId } : {};
  };
  return {
    logger,
    info: (m: string) => logger.info(m.trim()),
    warn: (m: string) => logger.warn(m),
    engine: (m: string) => logger.info(withRequest(), m),
  };
}

export async function cmdServe(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, SERVE);
  const out = serveLog(io, (values['log-format'] as string | undefined) ?? 'text');
  const token = values.token as string | undefined;
  const drainDelay = intOption(values['drain-delay'], 'drain-delay', 0, 600_000) ?? 0;
  const timeout = intOption(values['shutdown-timeout'], 'shutdown-timeout', 0, 3_600_000) ?? 10_000;
  let running;
  try {
    running = await startFacade({
      bpmnFile: positionals,
      model: values.model as string | undefined,
      engine: values.engine as string | undefined,
      engineUrl: values['engine-url'] as string | undefined,
      deploy: values.deploy === true ? true : undefined,
      port: intOption(values.port, 'port', 0, 65535),
      host: values.host as string | undefined,
      dataDir: values['data-dir'] as string | undefined,
      token: token || undefined,
      bodyLimit: intOption(values['body-limit'], 'body-limit', 1, 1 << 30),
      maxLiveEngines: intOption(values['max-live-engines'], 'max-live-engines', 0, 100000),
      allowScripts: values['allow-scripts'] === true,
      allowedHosts: values['allowed-host'] as unknown as string[] | undefined,
      cors: values.cors as string | undefined,
      requestLog: values['log-requests'] === true ? (line) => io.out(line) : undefined,
      logger: out.logger,
      log: out.engine,
      metrics: values.metrics === true,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen: ${err.message}`);
    throw e;
  }
  // The process is ours alone here: give memory back when the server falls idle after a burst (idleGc.ts).
  const collector = new IdleCollector();
  running.app.server.on('request', (_req, res) => {
    collector.begin();
    res.once('close', () => collector.end());
  });
  out.info(`listening on ${running.url}`);
  for (const w of running.warnings) out.warn(w);
  out.info(`  ${running.api.process.name ?? running.api.process.id}: ${running.api.root.resource.collectionUri} · OpenAPI ${running.url}/openapi.json · docs ${running.url}/docs/`);
  await new Promise<void>((resolve) => {
    // A second signal is not caught: it ends the process at once.
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      collector.close();
      void running.shutdown({ drainDelay, timeout }).then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

export async function cmdOpenapi(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPENAPI);
  const { api } = loadApi(positionals, values.model as string | undefined);
  io.out(JSON.stringify(buildOpenApi(api), null, 2));
  return 0;
}
