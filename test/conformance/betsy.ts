/**
 * betsy's BPMN conformance models (../shared/corpus/conformance: LGPL test data, read in place, never copied
 * into the repository), made runnable as that folder's README says and run through the facade:
 * - annotated at test time: a linkedResource (class `Betsy`: attributes `test`, `integerVariable`) on the
 *   executable process; conditions wrapped as JUEL `${…}`, as betsy does for Camunda;
 * - each placeholder script becomes what the engine can run and that leaves one trace entry per pass:
 *   on the embedded engine a JavaScript script task (under --allow-scripts; the facade logs each pass), on
 *   Camunda a `camunda:expression` service task (each pass is an activity instance in its history);
 * - compared as betsy does: the sorted trace of SCRIPT_* and INCREMENT markers, ERROR_RUNTIME when the
 *   engine refuses to go on (the facade's 422), and the end state.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFacade, type RunningFacade } from '../../server/src/facade/start';
import { CORPUS, tempDir, umlModel } from '../helpers';

export const CONFORMANCE = path.join(CORPUS, 'conformance');

export interface BetsyCase {
  input?: string;
  integer?: number;
  delay?: number;
  parallel?: boolean;
  expect: string[];
}
export interface BetsyModel {
  name: string;
  file: string;
  cases: BetsyCase[];
}

export type Dialect = 'embedded' | 'camunda';

/** Markers the runner can observe; a case expecting another (a marker file, timing, data) is not judged yet. */
const OBSERVED = /^(SCRIPT_task\d+|INCREMENT|ERROR_RUNTIME)$/;

/** The UML model every annotated betsy process is linked to: the variables betsy's conditions read. */
export function betsyUml(): string {
  return umlModel({ Betsy: { test: 'String', integerVariable: 'Integer' } });
}

export function betsyModels(): BetsyModel[] {
  return JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'betsy-tests.json'), 'utf8')) as BetsyModel[];
}

export function judged(c: BetsyCase): boolean {
  return c.expect.every((m) => OBSERVED.test(m)) && !c.delay && !c.parallel;
}

const JS: Record<string, string> = {
  INCREMENT_INTEGER_VARIABLE: "execution.setVariable('integerVariable', integerVariable + 1)",
  INCREMENT_INTEGER_VARIABLE_AND_LOG: "execution.setVariable('integerVariable', integerVariable + 1)",
  SET_STRING_DATA: "execution.setVariable('data', 'String')",
};
const JUEL: Record<string, string> = {
  INCREMENT_INTEGER_VARIABLE: "${execution.setVariable('integerVariable', integerVariable + 1)}",
  INCREMENT_INTEGER_VARIABLE_AND_LOG: "${execution.setVariable('integerVariable', integerVariable + 1)}",
  SET_STRING_DATA: "${execution.setVariable('data', 'String')}",
};

/** The marker each placeholder task leaves in the trace, by element id. */
export function markers(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<(\w+:)?scriptTask\b[^>]*\bid="([^"]+)"[\s\S]*?<(?:\w+:)?script>\s*([A-Z_0-9a-z]+)\s*<\/(?:\w+:)?script>/g)) {
    const marker = m[3] === 'INCREMENT_INTEGER_VARIABLE_AND_LOG' ? 'INCREMENT' : m[3];
    if (OBSERVED.test(marker)) out.set(m[2], marker);
  }
  return out;
}

/** The model as the dialect's engine can run it (see the header). */
export function annotateBetsy(xml: string, dialect: Dialect): string {
  let s = xml.replace(/<((\w+:)?definitions)\b/, '<$1 xmlns:camunda="http://camunda.org/schema/1.0/bpmn"');
  // the linkedResource on the first executable process (betsy's files have one; collaborations a second, not executable)
  s = s.replace(/(<(\w+:)?process\b[^>]*isExecutable="true"[^>]*>)/, (tag, _t, p = '') => `${tag}<${p}extensionElements><linkedResource name="Betsy" /></${p}extensionElements>`);
  s = s.replace(/(<((?:\w+:)?(?:conditionExpression|loopCondition|completionCondition|condition))\b[^>]*>)([\s\S]*?)(<\/\2>)/g, (_m, open: string, _tag, body: string, close: string) => {
    const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(body);
    const t = (cdata ? cdata[1] : body).trim();
    const wrapped = t.startsWith('${') || !t ? t : `\${${t}}`;
    return `${open}${cdata ? `<![CDATA[${wrapped}]]>` : wrapped}${close}`;
  });
  return s.replace(/<((?:\w+:)?)scriptTask\b([^>]*)>([\s\S]*?)<\/\1scriptTask>/g, (_m, p: string, attrs: string, inner: string) => {
    const placeholder = /<(?:\w+:)?script>\s*([^<\s]*)\s*<\/(?:\w+:)?script>/.exec(inner)?.[1] ?? '';
    const rest = inner.replace(/<(?:\w+:)?script>[\s\S]*?<\/(?:\w+:)?script>/, '');
    if (dialect === 'embedded') {
      const code = JS[placeholder] ?? 'undefined';
      return `<${p}scriptTask${attrs} scriptFormat="javascript">${rest}<${p}script>${code.replace(/'/g, '&apos;')}</${p}script></${p}scriptTask>`;
    }
    return `<${p}serviceTask${attrs} camunda:expression="${(JUEL[placeholder] ?? '${true}').replace(/'/g, '&apos;')}">${rest}</${p}serviceTask>`;
  });
}

export interface Outcome {
  /** sorted trace, ERROR_RUNTIME included */
  trace: string[];
  /** completed, active (something still waits or nothing does), or refused at start */
  state: string;
  /** where the instance waits, when it does */
  waiting: string[];
}

export interface RunOptions {
  /** for Camunda: the engine-rest URL (through the validating pass-through) and the engine's own */
  engineUrl?: string;
  history?: string;
}

/** Serves one annotated model and runs each of its judged cases as a new instance. */
export async function runModel(model: BetsyModel, dialect: Dialect, o: RunOptions = {}): Promise<Map<BetsyCase, Outcome | Error>> {
  const dir = tempDir('bra-betsy-');
  const xml = fs.readFileSync(path.join(CONFORMANCE, model.file), 'utf8');
  const ids = markers(xml);
  const bpmnFile = path.join(dir, path.basename(model.file));
  fs.writeFileSync(bpmnFile, annotateBetsy(xml, dialect));
  fs.writeFileSync(path.join(dir, 'resources.uml'), betsyUml());
  fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml' }));
  const lines: string[] = [];
  const results = new Map<BetsyCase, Outcome | Error>();
  let f: RunningFacade;
  try {
    f = await startFacade({
      bpmnFile,
      port: 0,
      dataDir: path.join(dir, 'data'),
      log: (l) => lines.push(l),
      ...(dialect === 'embedded' ? { allowScripts: true } : { engine: 'camunda7', engineUrl: o.engineUrl, deploy: true }),
    });
  } catch (e) {
    for (const c of model.cases) results.set(c, e as Error);
    return results;
  }
  try {
    for (const [i, c] of model.cases.entries()) {
      if (!judged(c)) continue;
      const key = `${model.name}-${i}`.replace(/[^A-Za-z0-9-]/g, '-');
      results.set(c, await runCase(f, key, c, dialect === 'embedded' ? embeddedTrace(lines, key, ids) : () => historyTrace(o.history!, key, ids)).catch((e: Error) => e));
    }
  } finally {
    await f.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

async function runCase(f: RunningFacade, key: string, c: BetsyCase, trace: () => Promise<string[]> | string[]): Promise<Outcome> {
  const body: Record<string, unknown> = { businessKey: key };
  if (c.input !== undefined) body.test = c.input;
  // betsy's Camunda runs start every instance with integerVariable (0 unless the case says otherwise)
  body.integerVariable = c.integer ?? 0;
  const r = await fetch(`${f.url}/betsy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await r.json()) as { _process?: { state: string; waiting: { activityId: string }[] }; detail?: string };
  if (r.status === 422) {
    if (process.env.BRA_BETSY_DEBUG) console.error(key, answer.detail);
    return { trace: ['ERROR_RUNTIME'], state: 'refused', waiting: [] };
  }
  if (r.status !== 201) throw new Error(`POST /betsy answered ${r.status}: ${answer.detail ?? JSON.stringify(answer)}`);
  const p = answer._process!;
  return { trace: (await trace()).sort(), state: p.state, waiting: p.waiting.map((w) => w.activityId) };
}

function embeddedTrace(lines: string[], key: string, ids: Map<string, string>): () => string[] {
  return () =>
    lines
      .map((l) => new RegExp(`^\\[${key}\\] (\\S+) `).exec(l)?.[1])
      .filter((id): id is string => !!id && ids.has(id))
      .map((id) => ids.get(id)!);
}

async function historyTrace(engineRest: string, key: string, ids: Map<string, string>): Promise<string[]> {
  const get = async <T>(u: string) => (await (await fetch(engineRest + u)).json()) as T;
  const out: string[] = [];
  for (const i of await get<{ id: string }[]>(`/history/process-instance?processInstanceBusinessKey=${encodeURIComponent(key)}`)) {
    for (const a of await get<{ activityId: string; activityType: string }[]>(`/history/activity-instance?processInstanceId=${i.id}`)) {
      if (ids.has(a.activityId) && a.activityType === 'serviceTask') out.push(ids.get(a.activityId)!);
    }
  }
  return out;
}
