/**
 * Command-line options, declared once per command: node's parseArgs reads them, `--help` lists them, and
 * each can also come from an environment variable `BPMN_RESOURCE_API_<NAME>` (containers are configured that
 * way). The command line wins over the environment.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../node/files';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** may be given more than once (from the environment: a comma-separated list) */
  multiple?: boolean;
  /** the value's placeholder in the help text */
  arg?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** what follows the command name, e.g. `<bpmn…|folder>` */
  synopsis: string;
  summary: string;
  minPositionals: number;
  /** what is missing when fewer positionals are given */
  what: string;
  options: Record<string, OptionSpec>;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** `--help` was asked for: the text to print (exit 0). */
export class HelpRequested {
  constructor(readonly text: string) {}
}

export function envName(option: string): string {
  return `BPMN_RESOURCE_API_${option.toUpperCase().replace(/-/g, '_')}`;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)?$/i;

export function parseCommand(args: string[], spec: CommandSpec, env: NodeJS.ProcessEnv = process.env): { values: Values; positionals: string[] } {
  const end = args.indexOf('--');
  const own = end < 0 ? args : args.slice(0, end);
  if (own.includes('--help') || own.includes('-h')) throw new HelpRequested(helpText(spec));
  let parsed;
  try {
    const options = Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }]));
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see 'bpmn-resource-api ${spec.name} --help')`);
  }
  if (parsed.positionals.length < spec.minPositionals) throw new UsageError(`missing ${spec.what}`);
  const values = { ...parsed.values } as Values;
  for (const [name, o] of Object.entries(spec.options)) {
    if (values[name] !== undefined) continue;
    const variable = envName(name);
    const raw = env[variable];
    if (raw === undefined) continue;
    if (o.type === 'boolean') {
      if (TRUE.test(raw.trim())) values[name] = true;
      else if (FALSE.test(raw.trim())) values[name] = undefined;
      else throw new UsageError(`${variable} must be true or false (1/0, yes/no, on/off), not '${raw}'`);
    } else if (o.multiple) {
      values[name] = raw.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (raw !== '') {
      values[name] = raw;
    }
  }
  return { values, positionals: parsed.positionals };
}

export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => [`--${name}${o.arg ? ` ${o.arg}` : ''}${o.multiple ? ' …' : ''}`, o.help, envName(name)]);
  rows.push(['-h, --help', 'this help', '']);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([flag, help, env]) => `  ${flag.padEnd(w0)}  ${help}${env ? ` [env ${env}]` : ''}`);
  return `usage: bpmn-resource-api ${spec.name} ${spec.synopsis}${Object.keys(spec.options).length ? ' [options]' : ''}

${spec.summary}

options:
${lines.join('\n')}

Every option can also be set by the environment variable named beside it (a boolean: true/false; a list: comma-separated); the command line wins.`;
}
