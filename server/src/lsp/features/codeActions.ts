import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { BpmnActivity, BpmnProcess } from '../../core/bpmn/model';
import type { Resource } from '../../core/resources/tree';
import type { XmlElement } from '../../core/xml/scanner';
import type { AnalyzedBpmn } from './types';

/** Quick fixes for the diagnostics the client sends back (matched by code and range). */
export function codeActions(doc: AnalyzedBpmn, uri: string, diagnostics: Diagnostic[], modelConfigFixes: ModelConfigFix[] = []): CodeAction[] {
  const out: CodeAction[] = [];
  const an = doc.analysis;
  const edit = (title: string, d: Diagnostic, edits: TextEdit[], preferred = false): CodeAction => ({
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    isPreferred: preferred || undefined,
    edit: { changes: { [uri]: edits } },
  });
  const offsetOf = (d: Diagnostic) => doc.index.offset(d.range.start);
  for (const d of diagnostics) {
    const at = offsetOf(d);
    switch (d.code) {
      case 'unknown-resource': {
        const suggestions = ((d.data as { suggestions?: string[] } | undefined)?.suggestions ?? []) as string[];
        suggestions.forEach((s, i) => out.push(edit(`Change to '${s}'`, d, [{ range: d.range, newText: s }], i === 0)));
        break;
      }
      case 'missing-resource-name': {
        const link = an.doc.links.find((l) => l.nameSpan?.start === at);
        if (link && an.tree) for (const r of an.tree.resources.slice(0, 8)) out.push(edit(`Name '${r.name}'`, d, [{ range: d.range, newText: r.name }]));
        break;
      }
      case 'process-not-linked': {
        const p = an.doc.processes.find((x) => x.span.start === at);
        const root = p ? likelyRoot(doc, p) : undefined;
        if (p && root) out.push(edit(`Link process to ${root.name}`, d, [insertLink(doc, p.element, root.name)], true));
        break;
      }
      case 'duplicate-link':
      case 'misplaced-link': {
        const link = an.doc.links.find((l) => (l.nameSpan ?? l.elementSpan).start === at);
        if (link) {
          const el = link.element;
          const lineStart = doc.text.lastIndexOf('\n', el.start - 1) + 1;
          const onlyIndent = /^[ \t]*$/.test(doc.text.slice(lineStart, el.start));
          const afterEnd = doc.text[el.end] === '\n' ? el.end + 1 : el.end;
          const span = onlyIndent ? { start: lineStart, end: afterEnd } : { start: el.start, end: el.end };
          out.push(edit('Remove this linkedResource', d, [{ range: doc.index.range(span), newText: '' }], d.code === 'duplicate-link'));
        }
        break;
      }
      case 'model-not-found': {
        modelConfigFixes.forEach((f, i) =>
          out.push({
            title: `Use ${f.label} as the resource model (creates ${f.configLabel})`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            isPreferred: i === 0 || undefined,
            edit: {
              documentChanges: [
                { kind: 'create', uri: f.configUri, options: { ignoreIfExists: true } },
                { textDocument: { uri: f.configUri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `${JSON.stringify({ model: f.relativePath }, null, 2)}\n` }] },
              ],
            },
          }),
        );
        break;
      }
      case 'multiplicity-needs-loop': {
        const id = (d.data as { activityId?: string } | undefined)?.activityId;
        const a = an.doc.processes.flatMap((p) => p.activities).find((x) => x.id === id);
        if (a) out.push(edit(`Make '${a.name ?? a.id}' multi-instance`, d, [insertMultiInstance(doc, a)], true));
        break;
      }
    }
  }
  return out;
}

/** A model file the user may pick, and the config file that would name it. */
export interface ModelConfigFix {
  label: string;
  relativePath: string;
  configUri: string;
  configLabel: string;
}

/** The root of the first resolved resource linked inside the process. */
function likelyRoot(doc: AnalyzedBpmn, p: BpmnProcess): Resource | undefined {
  for (const a of p.activities) {
    for (const l of a.links) {
      let r = doc.analysis.linkResource.get(l);
      while (r?.parent) r = r.parent;
      if (r) return r;
    }
  }
  return doc.analysis.tree?.roots[0];
}

function indentOf(doc: AnalyzedBpmn, el: XmlElement): string {
  const lineStart = doc.text.lastIndexOf('\n', el.start - 1) + 1;
  return /^[ \t]*/.exec(doc.text.slice(lineStart, el.start))![0];
}

function bpmnPrefix(el: XmlElement): string {
  return el.prefix ? `${el.prefix}:` : '';
}

/** Inserts a link into the element's extensionElements, creating it right after the start tag if needed. */
export function insertLink(doc: AnalyzedBpmn, host: XmlElement, name: string): TextEdit {
  const qname = doc.analysis.doc.linkStyle?.qname ?? 'linkedResource';
  const ind = indentOf(doc, host);
  const ext = host.children.find((c) => c.local === 'extensionElements');
  if (ext && ext.startTagEnd > 0 && doc.text[ext.startTagEnd - 2] !== '/') {
    const pos = doc.index.position(ext.startTagEnd);
    return { range: { start: pos, end: pos }, newText: `\n${ind}    <${qname} name="${name}" />` };
  }
  const pos = doc.index.position(host.startTagEnd);
  const p = bpmnPrefix(host);
  return { range: { start: pos, end: pos }, newText: `\n${ind}  <${p}extensionElements>\n${ind}    <${qname} name="${name}" />\n${ind}  </${p}extensionElements>` };
}

function insertMultiInstance(doc: AnalyzedBpmn, a: BpmnActivity): TextEdit {
  const el = a.element;
  const ind = indentOf(doc, el);
  const p = bpmnPrefix(el);
  if (doc.text[el.startTagEnd - 2] === '/') {
    // <task/> → <task>…</task>
    const range = doc.index.range({ start: el.startTagEnd - 2, end: el.startTagEnd });
    return { range, newText: `>\n${ind}  <${p}multiInstanceLoopCharacteristics />\n${ind}</${el.name}>` };
  }
  const pos = doc.index.position(el.contentEnd);
  return { range: { start: pos, end: pos }, newText: `  <${p}multiInstanceLoopCharacteristics />\n${ind}` };
}
