import { analyze, type AnalyzeOptions, type BpmnAnalysis } from './analysis';
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
  const out = xmlSyntaxDiagnostics(an.doc.xml);
  for (const rule of rules) {
    try {
      out.push(...rule.check(an));
    } catch (e) {
      // One broken rule must not hide the others' findings (bpmnlint reports such a rule as rule-error).
      out.push(diag('rule-error', `rule '${rule.code}' failed: ${(e as Error).message ?? e}`, { start: 0, end: 0 }));
    }
  }
  return sortDiagnostics(applyRuleLevels(out, an.ruleLevels));
}


/** All diagnostics of a model file. */
export function checkModel(model: UmlModel, tree?: ResourceTree, levels?: RuleLevels): CoreDiagnostic[] {
  const out = xmlSyntaxDiagnostics(model.xml);
  if (model.unreadable) {
    const root = model.xml.root;
    const span = root ? { start: root.start + 1, end: root.start + 1 + root.name.length } : { start: 0, end: 0 };
    out.push(diag('model-unreadable', `Cannot read a UML class model: ${model.unreadable}`, span));
    return sortDiagnostics(out);
  }
  const t = tree ?? buildResourceTree(model);
  for (const rule of MODEL_RULES) {
    try {
      out.push(...rule.check(model, t));
    } catch (e) {
      out.push(diag('rule-error', `rule '${rule.code}' failed: ${(e as Error).message ?? e}`, { start: 0, end: 0 }));
    }
  }
  return sortDiagnostics(applyRuleLevels(out, levels));
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
