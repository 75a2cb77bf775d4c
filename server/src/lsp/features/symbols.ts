import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver';
import type { BpmnActivity, BpmnProcess } from '../../core/bpmn/model';
import type { AnalyzedBpmn } from './types';

/** What an element is linked to, for the symbol's detail: `Decision /application/{businessKey}/decision`. */
function linkDetail(doc: AnalyzedBpmn, links: BpmnProcess['links']): string | undefined {
  const an = doc.analysis;
  const parts = links.map((l) => {
    const r = an.linkResource.get(l);
    return r ? `${r.name} ${r.uri}` : l.name ? `${l.name} (unknown)` : undefined;
  });
  const text = parts.filter(Boolean).join(', ');
  return text || undefined;
}

function activitySymbol(doc: AnalyzedBpmn, a: BpmnActivity, children: Map<BpmnActivity, BpmnActivity[]>): DocumentSymbol {
  const range = doc.index.range({ start: a.element.start, end: a.element.end });
  const selectionRange = doc.index.range(a.span);
  const kids = (children.get(a) ?? []).map((c) => activitySymbol(doc, c, children));
  return {
    name: a.name ?? a.id,
    detail: linkDetail(doc, a.links) ?? a.kind,
    kind: a.kind === 'subProcess' || a.kind === 'callActivity' || a.kind === 'transaction' || a.kind === 'adHocSubProcess' ? SymbolKind.Module : SymbolKind.Method,
    range,
    selectionRange,
    ...(kids.length ? { children: kids } : {}),
  };
}

/** The Outline: processes, and in them their activities (subprocesses nesting theirs), each with its linked resource and URI. */
export function documentSymbols(doc: AnalyzedBpmn): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const p of doc.analysis.doc.processes) {
    const children = new Map<BpmnActivity, BpmnActivity[]>();
    const top: BpmnActivity[] = [];
    for (const a of p.activities) {
      if (a.parent) children.set(a.parent, [...(children.get(a.parent) ?? []), a]);
      else top.push(a);
    }
    out.push({
      name: p.name ?? p.id,
      detail: linkDetail(doc, p.links) ?? 'process',
      kind: SymbolKind.Class,
      range: doc.index.range({ start: p.element.start, end: p.element.end }),
      selectionRange: doc.index.range(p.span),
      children: top.map((a) => activitySymbol(doc, a, children)),
    });
  }
  return out;
}

/** Workspace symbols: processes, activities and linked resources whose name contains the query (case-insensitively). */
export function workspaceSymbols(docs: AnalyzedBpmn[], query: string, limit = 500): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  const add = (name: string, kind: SymbolKind, doc: AnalyzedBpmn, start: number, end: number, container?: string) => {
    if (out.length >= limit || (q && !name.toLowerCase().includes(q))) return;
    out.push({ name, kind, location: { uri: doc.uri, range: doc.index.range({ start, end }) }, ...(container ? { containerName: container } : {}) });
  };
  for (const doc of docs) {
    for (const p of doc.analysis.doc.processes) {
      const pname = p.name ?? p.id;
      add(pname, SymbolKind.Class, doc, p.span.start, p.span.end);
      for (const a of p.activities) add(a.name ?? a.id, SymbolKind.Method, doc, a.span.start, a.span.end, pname);
    }
    for (const link of doc.analysis.doc.links) {
      const r = doc.analysis.linkResource.get(link);
      if (r) add(`${r.name} ${r.uri}`, SymbolKind.Interface, doc, (link.nameSpan ?? link.elementSpan).start, (link.nameSpan ?? link.elementSpan).end, link.host.id);
    }
  }
  return out;
}
