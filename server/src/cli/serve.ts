import { UsageError } from '../node/files';
import { IdleCollector } from '../node/idleGc';
import { loadApi, startFacade } from '../facade/start';
import { buildOpenApi } from '../facade/openapi';
import { parse, type Io } from './main';

function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export async function cmdServe(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      model: { type: 'string' },
      engine: { type: 'string' },
      'engine-url': { type: 'string' },
      deploy: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      token: { type: 'string' },
      'body-limit': { type: 'string' },
      'max-live-engines': { type: 'string' },
      'allow-scripts': { type: 'boolean' },
      'allowed-host': { type: 'string', multiple: true },
      cors: { type: 'string' },
      'log-requests': { type: 'boolean' },
    },
    1,
    'the BPMN files or folder',
  );
  const token = (values.token as string | undefined) ?? process.env.BPMN_RESOURCE_API_TOKEN;
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
  io.out(`listening on ${running.url}`);
  for (const w of running.warnings) io.err(`warning: ${w}`);
  io.out(`  ${running.api.process.name ?? running.api.process.id}: ${running.api.root.resource.collectionUri} · OpenAPI ${running.url}/openapi.json · docs ${running.url}/docs/`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      collector.close();
      void running.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

export async function cmdOpenapi(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { model: { type: 'string' } }, 1, 'the BPMN files or folder');
  const { api } = loadApi(positionals, values.model as string | undefined);
  io.out(JSON.stringify(buildOpenApi(api), null, 2));
  return 0;
}
