import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnosticsOf, withRanges, type RangedDiagnostic } from '../core/check';
import { routeTable, type RouteEntry } from '../core/resources/routes';
import { httpRequests, type HttpDialect } from '../core/resources/httpRequests';
import { multiplicityText } from '../core/uml/model';
import { collectFiles, UsageError } from '../node/files';
import { ENGINES } from '../facade/engineTypes';
import { loadModel, loadProject, BpmnNeighbours, modelDiagnostics, requireModel } from '../node/project';
import { toSarif, type FileDiagnostic } from './sarif';
import { packageVersion } from '../node/version';
import { HelpRequested, parseCommand, type CommandSpec, type OptionSpec } from './options';

const USAGE = `usage: bpmn-resource-api <command> [options]

commands:
  check <files or folders…> [--model FILE] [--format text|json|sarif] [--engine embedded|camunda7|camunda8]
  routes <bpmn…|folder> [--model FILE] [--format text|json]
  requests <bpmn> [--model FILE] [--base-url URL] [--business-key K] [--dialect rest-client|httpyac] [--out FILE]
  model <xmi> [--format text|json]
  serve <bpmn…|folder> [--model FILE] [--engine embedded|camunda7|camunda8] [--engine-url URL] [--deploy] [--port N] [--host H] [--data-dir D] [--token T]
        [--body-limit BYTES] [--max-live-engines N] [--allow-scripts] [--allowed-host NAME…] [--cors ORIGIN] [--log-requests]
        [--log-format text|json] [--metrics] [--drain-delay MS] [--shutdown-timeout MS]
  openapi <bpmn…|folder> [--model FILE]
  lsp --stdio

'bpmn-resource-api <command> --help' lists a command's options and the environment variables (BPMN_RESOURCE_API_…) that set them.`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Reads a command's arguments by its spec (options.ts): `--help`, environment variables, usage errors. */
export function parse(args: string[], spec: CommandSpec): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  return parseCommand(args, spec) as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

const MODEL: OptionSpec = { type: 'string', arg: 'FILE', help: 'the UML model (XMI); else bpmn-resource-api.json, else the one *.uml/*.xmi beside the BPMN file' };
const ENGINE_CHOICE = `one of ${ENGINES.join(', ')}`;

export const CHECK: CommandSpec = {
  name: 'check',
  synopsis: '<files or folders…>',
  summary: 'Checks the linkedResource annotations of BPMN files against the UML model. Exit 0: no errors, 1: errors found, 2: bad usage.',
  minPositionals: 1,
  what: 'files or folders to check',
  options: {
    model: MODEL,
    format: { type: 'string', arg: 'text|json|sarif', help: 'output format (json: LSP positions; sarif: SARIF 2.1.0)' },
    engine: { type: 'string', arg: 'ENGINE', help: `also check what this engine cannot run as drawn: ${ENGINE_CHOICE}` },
  },
};

const ROUTES: CommandSpec = {
  name: 'routes',
  synopsis: '<bpmn…|folder>',
  summary: 'Prints the resource tree: every URI, its multiplicity, methods and the activities that write it.',
  minPositionals: 1,
  what: 'the BPMN files or folder',
  options: { model: MODEL, format: { type: 'string', arg: 'text|json', help: 'output format' } },
};

const REQUESTS: CommandSpec = {
  name: 'requests',
  synopsis: '<bpmn>',
  summary: 'Writes a .http file (REST Client, httpyac) that walks the process through its API.',
  minPositionals: 1,
  what: 'the BPMN file',
  options: {
    model: MODEL,
    'base-url': { type: 'string', arg: 'URL', help: 'the API to call (default http://127.0.0.1:3000)' },
    'business-key': { type: 'string', arg: 'K', help: 'the business key of the instance the file starts' },
    dialect: { type: 'string', arg: 'rest-client|httpyac', help: 'how earlier answers are named (REST Client by default)' },
    out: { type: 'string', arg: 'FILE', help: 'write to FILE instead of stdout' },
  },
};

const MODEL_CMD: CommandSpec = {
  name: 'model',
  synopsis: '<xmi>',
  summary: 'Prints the classes and associations the UML model has, as this tool reads them.',
  minPositionals: 1,
  what: 'the model file',
  options: { format: { type: 'string', arg: 'text|json', help: 'output format' } },
};

function format(value: unknown, allowed: string[]): string {
  const f = (value as string | undefined) ?? 'text';
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return f;
}

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
}

function cmdCheck(args: string[], io: Io): number {
  const { values, positionals } = parse(args, CHECK);
  const fmt = format(values.format, ['text', 'json', 'sarif']);
  const engine = values.engine as string | undefined;
  if (engine !== undefined && !(ENGINES as readonly string[]).includes(engine)) throw new UsageError(`unknown engine '${engine}'; choose one of ${ENGINES.join(', ')}`);
  const { bpmn, models } = collectFiles(positionals);
  if (bpmn.length === 0 && models.length === 0) throw new UsageError(`no BPMN or UML files in ${positionals.join(' ')}`);
  const results: FileDiagnostic[] = [];
  const modelFiles = new Set(models.map((m) => path.resolve(m)));
  const push = (file: string, ds: RangedDiagnostic[]) => {
    for (const d of ds) results.push({ file: rel(file), range: d.range, severity: d.severity, code: d.code, message: d.message });
  };
  const around = new BpmnNeighbours(bpmn);
  const configProblems = new Set<string>();
  for (const file of bpmn) {
    const p = loadProject(file, values.model as string | undefined, around, engine);
    for (const problem of p.settings.problems) configProblems.add(problem);
    if (p.model) modelFiles.add(p.model.file);
    const diagnostics = diagnosticsOf({ ...p.analysis, modelLabel: p.model ? rel(p.model.file) : p.analysis.modelLabel });
    push(file, withRanges(p.text, diagnostics));
  }
  for (const file of modelFiles) {
    push(file, withRanges(loadModel(file).text, modelDiagnostics(file)));
  }
  for (const problem of configProblems) io.err(`warning: ${problem}`);
  const errors = results.filter((r) => r.severity === 'error').length;
  if (fmt === 'json') io.out(JSON.stringify(results, null, 2));
  else if (fmt === 'sarif') io.out(JSON.stringify(toSarif(results), null, 2));
  else {
    for (const r of results) {
      io.out(`${r.file}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.severity} ${r.code}: ${r.message}`);
    }
    const warnings = results.filter((r) => r.severity === 'warning').length;
    const files = bpmn.length + modelFiles.size;
    io.out(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`);
  }
  return errors > 0 ? 1 : 0;
}

/** One row per resource across files: a called process's activities join its caller's rows. */
function mergeRoutes(tables: RouteEntry[][]): RouteEntry[] {
  const byResource = new Map<string, RouteEntry>();
  for (const row of tables.flat()) {
    const have = byResource.get(row.resource);
    if (!have) byResource.set(row.resource, { ...row, activities: [...row.activities] });
    else {
      for (const a of row.activities) if (!have.activities.some((x) => x.id === a.id && x.process === a.process)) have.activities.push(a);
      if (row.methods.length > have.methods.length) have.methods = row.methods;
    }
  }
  return [...byResource.values()];
}

function cmdRoutes(args: string[], io: Io): number {
  const { values, positionals } = parse(args, ROUTES);
  const fmt = format(values.format, ['text', 'json']);
  const { bpmn } = collectFiles(positionals);
  if (bpmn.length === 0) throw new UsageError(`no BPMN file in ${positionals.join(' ')}`);
  const projects = bpmn.map((f) => loadProject(f, values.model as string | undefined));
  projects.forEach(requireModel);
  const p = projects[0];
  const rows = mergeRoutes(projects.map((x) => routeTable(x.analysis)));
  if (fmt === 'json') {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    io.err(`${positionals[0]}: no process is linked to a resource of ${rel(p.model!.file)}, so there are no routes`);
    return 1;
  }
  const table = rows.map((r) => [r.resource, r.uri, r.multiplicity, r.parent ?? '-', r.methods.join(','), r.activities.map((a) => a.name ?? a.id).join(', ') || '-']);
  printTable(io, ['RESOURCE', 'URI', 'MULT', 'PARENT', 'METHODS', 'ACTIVITIES'], table);
  return 0;
}

/** A .http file (REST Client, httpyac) that walks the process through its API: to stdout, or --out FILE. */
function cmdRequests(args: string[], io: Io): number {
  const { values, positionals } = parse(args, REQUESTS);
  const dialect = (values.dialect ?? 'rest-client') as HttpDialect;
  if (dialect !== 'rest-client' && dialect !== 'httpyac') throw new UsageError('--dialect must be rest-client or httpyac');
  const p = loadProject(positionals[0], values.model as string | undefined);
  requireModel(p);
  const text = httpRequests(p.analysis, { baseUrl: values['base-url'] as string | undefined, businessKey: values['business-key'] as string | undefined, dialect });
  if (!text) {
    io.err(`${positionals[0]}: no process is linked to a root resource of ${rel(p.model!.file)}, so there is nothing to call`);
    return 1;
  }
  if (values.out) {
    fs.writeFileSync(values.out as string, `${text}\n`);
    io.out(`wrote ${values.out}`);
  } else io.out(text);
  return 0;
}

function cmdModel(args: string[], io: Io): number {
  const { values, positionals } = parse(args, MODEL_CMD);
  const fmt = format(values.format, ['text', 'json']);
  const m = loadModel(positionals[0]);
  if (m.model.unreadable) throw new UsageError(`${positionals[0]}: ${m.model.unreadable}`);
  const name = (id: string | undefined) => (id ? m.model.classById.get(id)?.name ?? id : null);
  const json = {
    dialect: m.model.dialect,
    classes: m.model.classes.map((c) => ({
      name: c.name,
      ...(c.superIds.length ? { superclasses: c.superIds.map((id) => name(id)) } : {}),
      attributes: c.attributes.map((a) => ({ name: a.name, type: a.type, multiplicity: multiplicityText(a.lower, a.upper), kind: a.kind })),
    })),
    associations: m.model.associations.map((a) => ({
      source: name(a.sourceId),
      target: name(a.targetId),
      targetMultiplicity: multiplicityText(a.targetLower, a.targetUpper),
      directed: a.directed,
    })),
  };
  if (fmt === 'json') {
    io.out(JSON.stringify(json, null, 2));
    return 0;
  }
  io.out(`${rel(m.file)}: ${m.model.dialect}, ${json.classes.length} classes, ${json.associations.length} associations`);
  for (const c of json.classes) {
    io.out(`class ${c.name}${c.superclasses ? ` extends ${c.superclasses.join(', ')}` : ''}`);
    for (const a of c.attributes) io.out(`  ${a.name}: ${a.type || '?'} [${a.multiplicity}]`);
  }
  for (const a of json.associations) io.out(`${a.source} ${a.directed ? '→' : '—'} ${a.target} [${a.targetMultiplicity}]${a.directed ? '' : ' (undirected)'}`);
  return 0;
}

function printTable(io: Io, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  io.out(line(head));
  for (const r of rows) io.out(line(r));
}

export type Command = (args: string[], io: Io) => number | Promise<number>;

/** Commands implemented in other modules register here (serve, openapi, lsp) so this file stays a dispatcher. */
export const COMMANDS: Record<string, Command> = {
  check: cmdCheck,
  routes: cmdRoutes,
  requests: cmdRequests,
  model: cmdModel,
};

/** Writing to a closed pipe (`… | head -1`) ends the command quietly, as Unix tools do. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

export async function main(argv: string[], io?: Io): Promise<number> {
  if (!io) {
    quietOnClosedPipe();
    io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };
  }
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    (command ? io.out : io.err)(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    io.out(packageVersion());
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`bpmn-resource-api: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.out(e.text);
      return 0;
    }
    if (e instanceof UsageError) {
      io.err(`bpmn-resource-api ${command}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

export { MODEL as MODEL_OPTION };
