/**
 * betsy's conformance models on the embedded engine and, where they run here, on live Camunda 7 CE and
 * Operaton (the differential: the live engine's outcome is what the embedded one should give). Writes the
 * result table to test-artifacts/conformance.md.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineRestProxy } from '../engines/engineRestProxy';
import { LIVE_KINDS, liveEnginesMissing, sharedLiveEngine, type LiveKind } from '../engines/live';
import { ROOT } from '../helpers';
import { checkBpmn } from '../../server/src/core/check';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { readUml } from '../../server/src/core/uml/reader';
import { annotateBetsy, betsyModels, betsyUml, CONFORMANCE, judged, runModel, type BetsyCase, type BetsyModel, type Outcome } from './betsy';

type Column = 'embedded' | LiveKind;
type Cell = { verdict: 'pass' | 'differs' | 'unsupported'; detail: string; outcome?: Outcome };

function verdict(c: BetsyCase, o: Outcome | Error | undefined): Cell {
  if (!o) return { verdict: 'unsupported', detail: 'not run' };
  if (o instanceof Error) return { verdict: 'unsupported', detail: o.message.split('\n')[0].slice(0, 160) };
  // As betsy judges: the sorted trace. Where the instance stopped is said beside it (the differential compares it too).
  const want = [...c.expect].sort();
  const stuck = o.state === 'active' || o.state === 'incident' ? `still ${o.state}${o.waiting.length ? ` at ${o.waiting.join(', ')}` : ', nothing waits'}` : '';
  if (JSON.stringify(o.trace) === JSON.stringify(want)) return { verdict: 'pass', detail: stuck, outcome: o };
  return { verdict: 'differs', detail: `[${o.trace.join(', ')}]${stuck ? `; ${stuck}` : ''}`, outcome: o };
}

/**
 * Where the embedded engine's outcome (trace and where it stopped) differs from live Camunda 7's on the same
 * model, and why. A difference not listed here fails the test. Keyed `file` (every case) or `file|input`.
 * Each is flagged by `check` at the element (engine-unsupported or join-never-fires), except the standard
 * loops, where it is Camunda that departs from BPMN (listed in CAMUNDA_DEPARTS).
 */
export const KNOWN_GAPS: Record<string, string> = {
  'activities/CallActivity_GlobalTask.bpmn': 'a call activity calling a global task: bpmn-engine cannot load it (bpmn:GlobalScriptTask); Camunda deploys it and fails at run time',
  'activities/Loop_SubProcess.bpmn': 'standard loop: Camunda 7 ignores standardLoopCharacteristics (one pass); the embedded engine loops as BPMN says',
  'activities/Loop_Task.bpmn': 'standard loop: Camunda 7 ignores standardLoopCharacteristics (one pass); the embedded engine loops as BPMN says',
  'activities/Loop_ConditionOnly.bpmn': 'standard loop: Camunda 7 ignores standardLoopCharacteristics (one pass); the embedded engine loops as BPMN says',
  'activities/Loop_Maximum.bpmn': 'standard loop: Camunda 7 ignores standardLoopCharacteristics (one pass); the embedded engine loops as BPMN says',
  'activities/Loop_NoIteration_TestBeforeTrue.bpmn': 'standard loop: Camunda 7 ignores standardLoopCharacteristics (one pass); the embedded engine runs none, as BPMN says',
  'events/Compensation_StartEvent_EventSubProcess.bpmn': 'a compensation event subprocess: bpmn-engine does not run it',
  'events/Conditional_StartEvent_EventSubProcess_Interrupting.bpmn': 'an interrupting conditional event subprocess: bpmn-engine does not trigger it from the start variables and runs the main flow',
  'events/Signal_StartEvent_EventSubProcess_Interrupting.bpmn': 'a signal thrown by the last token of the scope of the interrupting event subprocess that catches it: Camunda 7 ends the scope without running the event subprocess (neither task); the embedded engine runs it, as BPMN and betsy say',
};

/** Known gaps where Camunda, not the embedded engine, departs from BPMN: nothing for `check` to flag on the embedded engine. */
const CAMUNDA_DEPARTS = new Set(['events/Signal_StartEvent_EventSubProcess_Interrupting.bpmn', 'activities/Loop_SubProcess.bpmn', 'activities/Loop_Task.bpmn', 'activities/Loop_ConditionOnly.bpmn', 'activities/Loop_Maximum.bpmn', 'activities/Loop_NoIteration_TestBeforeTrue.bpmn']);
const FLAGGED_BY = new Set(['engine-unsupported', 'join-never-fires', 'engine-differs']);

/** The warnings `check` gives for a betsy model, annotated as it is served. */
function checkWarnings(file: string, engine?: string): string[] {
  const text = annotateBetsy(fs.readFileSync(path.join(CONFORMANCE, 'betsy', file), 'utf8'), 'embedded');
  const model = readUml(betsyUml());
  return checkBpmn(readBpmn(text), model, { engine }).diagnostics.filter((d) => FLAGGED_BY.has(d.code)).map((d) => `${d.code}: ${d.message}`);
}

/** The embedded outcome against live Camunda 7's, on trace and end state; undefined where they agree or Camunda could not run it. */
function difference(row: { cells: Partial<Record<Column, Cell>> }): string | undefined {
  const e = row.cells.embedded;
  const c = row.cells.camunda7;
  if (!e || !c?.outcome) return undefined;
  // Where nothing waits any more, Camunda's adapter says `active` and the embedded engine `incident` (it tells
  // the user the instance cannot move): the same place, so the same outcome here.
  const form = (x: Cell) => {
    if (!x.outcome) return x.detail;
    const o = x.outcome;
    const state = o.state === 'incident' ? 'active' : o.state;
    return `[${o.trace.join(', ')}] ${state}${o.waiting.length ? ` at ${o.waiting.join(', ')}` : ''}`;
  };
  return form(e) === form(c) ? undefined : `embedded ${form(e)}, Camunda 7 ${form(c)}`;
}

const available = fs.existsSync(path.join(CONFORMANCE, 'betsy-tests.json'));
const live = liveEnginesMissing() ? [] : LIVE_KINDS;

describe('conformance: betsy BPMN models on the embedded engine and on live Camunda 7 / Operaton', function () {
  if (!available) {
    it(`SKIPPED: ${CONFORMANCE} is absent (CI has ../shared)`);
    return;
  }
  this.timeout(600_000);
  const table: Array<{ model: BetsyModel; c: BetsyCase; cells: Partial<Record<Column, Cell>> }> = [];
  const proxies: EngineRestProxy[] = [];
  after(async () => {
    for (const p of proxies) await p.stop();
  });

  it('check flags each known gap at the element (engine-unsupported, join-never-fires; engine-differs with --engine camunda7)', () => {
    const files = [...new Set(Object.keys(KNOWN_GAPS).map((k) => k.split('|')[0]))].filter((f) => !CAMUNDA_DEPARTS.has(f));
    const unflagged = files.filter((f) => checkWarnings(f).length === 0);
    assert.deepEqual(unflagged, [], 'known gaps that check says nothing about');
    // Where Camunda departs from BPMN, `check --engine camunda7` says so (engine-differs).
    assert.deepEqual([...CAMUNDA_DEPARTS].filter((f) => !checkWarnings(f, 'camunda7').some((w) => w.startsWith('engine-differs'))), []);
  });

  it('runs every judged case of every model; the table is written to test-artifacts/conformance.md', async () => {
    const engines: Array<{ column: Column; url?: string; history?: string }> = [{ column: 'embedded' }];
    for (const kind of live) {
      const engine = await sharedLiveEngine(kind);
      const proxy = await new EngineRestProxy(engine.url).start();
      proxies.push(proxy);
      engines.push({ column: kind, url: proxy.url, history: engine.url });
    }
    for (const model of betsyModels()) {
      const rows = model.cases.map((c) => ({ model, c, cells: {} as Partial<Record<Column, Cell>> }));
      for (const e of engines) {
        const results = await runModel(model, e.column === 'embedded' ? 'embedded' : 'camunda', { engineUrl: e.url, history: e.history });
        for (const row of rows) if (judged(row.c)) row.cells[e.column] = verdict(row.c, results.get(row.c));
      }
      table.push(...rows);
    }
    const columns = engines.map((e) => e.column);
    fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'test-artifacts', 'conformance.md'), render(table, columns));
    console.log(summary(table, columns));
    for (const p of proxies) p.assertClean();
    assert.ok(table.some((r) => r.cells.embedded?.verdict === 'pass'));
    const unexplained = table
      .map((r) => ({ key: `${r.model.file.replace('betsy/', '')}|${r.c.input ?? ''}`, file: r.model.file.replace('betsy/', ''), diff: difference(r) }))
      .filter((x) => x.diff && !KNOWN_GAPS[x.key] && !KNOWN_GAPS[x.file]);
    assert.deepEqual(unexplained.map((x) => `${x.key}: ${x.diff}`), [], 'the embedded engine differs from live Camunda 7 where no known gap says why');
    if (!live.includes('camunda7')) return;
    // The table stays true: a gap that no longer shows (fixed) leaves it.
    const showing = new Set(table.filter((r) => difference(r)).flatMap((r) => [r.model.file.replace('betsy/', ''), `${r.model.file.replace('betsy/', '')}|${r.c.input ?? ''}`]));
    assert.deepEqual(Object.keys(KNOWN_GAPS).filter((k) => !showing.has(k)), [], 'known gaps that no longer differ from Camunda 7');
  });
});

function render(table: Array<{ model: BetsyModel; c: BetsyCase; cells: Partial<Record<Column, Cell>> }>, columns: Column[]): string {
  let out = `| model | input | expected | ${columns.join(' | ')} |\n|---|---|---|${columns.map(() => '---').join('|')}|\n`;
  for (const r of table) {
    if (!judged(r.c)) continue;
    const cell = (k: Column) => (r.cells[k] ? `${r.cells[k]!.verdict}${r.cells[k]!.detail ? `: ${r.cells[k]!.detail}` : ''}` : '');
    out += `| ${r.model.file.replace('betsy/', '')} | ${r.c.input ?? ''}${r.c.integer !== undefined ? ` int=${r.c.integer}` : ''} | ${r.c.expect.join(', ')} | ${columns.map(cell).join(' | ')} |\n`;
  }
  const skipped = table.filter((r) => !judged(r.c));
  return `${out}\nNot judged by this runner (markers it cannot observe yet, timers, parallelism): ${skipped.length} cases.\n`;
}

function summary(table: Array<{ model: BetsyModel; c: BetsyCase; cells: Partial<Record<Column, Cell>> }>, columns: Column[]): string {
  const groups = new Map<string, Record<string, number>>();
  for (const r of table) {
    if (!judged(r.c)) continue;
    const g = r.model.file.split('/')[1];
    const counts = groups.get(g) ?? {};
    for (const k of columns) {
      const v = r.cells[k]?.verdict ?? 'unsupported';
      counts[`${k} ${v}`] = (counts[`${k} ${v}`] ?? 0) + 1;
    }
    groups.set(g, counts);
  }
  return [...groups].map(([g, c]) => `  ${g}: ${columns.map((k) => `${k} ${c[`${k} pass`] ?? 0} pass / ${c[`${k} differs`] ?? 0} differ / ${c[`${k} unsupported`] ?? 0} unsupported`).join('; ')}`).join('\n');
}
