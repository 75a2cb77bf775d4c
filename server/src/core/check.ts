import { analyze, type AnalyzeOptions, type BpmnAnalysis, type UnsupportedEncoding } from './analysis';
import type { BpmnDocument } from './bpmn/model';
import { diag, type CoreDiagnostic, type Severity } from './diagnostics';
import { LineIndex, type Range } from './xml/positions';
import type { XmlDocument } from './xml/scanner';
import { buildResourceTree, type ResourceTree } from './resources/tree';
import type { UmlModel } from './uml/model';
import { BPMN_RULES, MODEL_RULES } from './rules';
import type { BpmnRule } from './rules/types';
import { applyRuleLevels, type RuleLevels } from './ruleLevels';

export function xmlSyntaxDiagnostics(xml: XmlDocument): CoreDiagnostic[] {
  return xml.errors.map((e) => diag('xml-syntax', e.message, { start: e.start, end: e.end }));
}

/** All diagnostics of a BPMN file, sorted by position. */
export function checkBpmn(
  doc: BpmnDocument,
  model: UmlModel | undefined,
  options: AnalyzeOptions = {},
): { diagnostics: CoreDiagnostic[]; analysis: BpmnAnalysis } {
  const an = analyze(doc, model, options);
  return { diagnostics: diagnosticsOf(an), analysis: an };
}

/** All diagnostics of an analysed BPMN document (the language server keeps the analysis for its features). */
export function diagnosticsOf(an: BpmnAnalysis, rules: readonly BpmnRule[] = BPMN_RULES): CoreDiagnostic[] {
  const out = [...encodingDiagnostics(an.unsupportedEncoding), ...xmlSyntaxDiagnostics(an.doc.xml)];
  for (const rule of rules) out.push(...runRule(rule.code, () => rule.check(an)));
  return sortDiagnostics(applyRuleLevels(out, an.ruleLevels));
}

/** One broken rule must not hide the others' findings: it is reported as rule-error (as bpmnlint does). */
function runRule(code: string, check: () => CoreDiagnostic[]): CoreDiagnostic[] {
  try {
    return check();
  } catch (e) {
    return [diag('rule-error', `rule '${code}' failed: ${(e as Error).message ?? e}`, { start: 0, end: 0 })];
  }
}

function encodingDiagnostics(enc: UnsupportedEncoding | undefined): CoreDiagnostic[] {
  return enc ? [diag('unsupported-encoding', `Encoding '${enc.name}' is not supported; the file was read as UTF-8`, enc.span)] : [];
}


/** All diagnostics of a model file. */
export function checkModel(model: UmlModel, tree?: ResourceTree, options: { levels?: RuleLevels; unsupportedEncoding?: UnsupportedEncoding } = {}): CoreDiagnostic[] {
  const out = [...encodingDiagnostics(options.unsupportedEncoding), ...xmlSyntaxDiagnostics(model.xml)];
  if (model.unreadable) {
    const root = model.xml.root;
    const span = root ? { start: root.start + 1, end: root.start + 1 + root.name.length } : { start: 0, end: 0 };
    out.push(diag('model-unreadable', `Cannot read a UML class model: ${model.unreadable}`, span));
    return sortDiagnostics(applyRuleLevels(out, options.levels));
  }
  const t = tree ?? buildResourceTree(model);
  for (const rule of MODEL_RULES) out.push(...runRule(rule.code, () => rule.check(model, t)));
  return sortDiagnostics(applyRuleLevels(out, options.levels));
}


export function sortDiagnostics(d: CoreDiagnostic[]): CoreDiagnostic[] {
  return d.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
}

/** The JSON shape of design.md's `check --format json` (without `file`). */
export interface RangedDiagnostic {
  range: Range;
  severity: Severity;
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

export function withRanges(text: string, diagnostics: CoreDiagnostic[], index = new LineIndex(text)): RangedDiagnostic[] {
  return diagnostics.map((d) => {
    const r: RangedDiagnostic = { range: index.range(d.span), severity: d.severity, code: d.code, message: d.message };
    if (d.data) r.data = d.data;
    return r;
  });
}
