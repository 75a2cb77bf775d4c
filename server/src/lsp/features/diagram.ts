import type { Range } from 'vscode-languageserver';
import type { BpmnLink } from '../../core/bpmn/model';
import type { CoreDiagnostic } from '../../core/diagnostics';
import { refId } from '../../core/bpmn/reader';
import { attrValue, type XmlElement } from '../../core/xml/scanner';
import type { AnalyzedBpmn } from './types';

/**
 * Our request behind the diagram view (`bpmnResourceApi/diagram`, `{ uri }`): everything the view draws on top of
 * bpmn-js's drawing, from the language server's analysis, so the webview runs no second parser. LSP has no
 * request of this kind; any client may call it.
 */
export const DIAGRAM_REQUEST = 'bpmnResourceApi/diagram';

export type DiagramSeverity = 'error' | 'warning' | 'information';

export interface DiagramResource {
  /** the linked element: an activity, or the process (its root resource) */
  elementId: string;
  name: string;
  /** URI template of one item; a 1-to-N resource's ends in `{…Id}` */
  uri: string;
  /** the URI of its items' collection, where it has one (the root's lists the instances) */
  collectionUri?: string;
  /** where the linkedResource names it: go to definition there opens the UML class */
  nameRange?: Range;
  /** the process's root resource */
  root?: boolean;
  /** 1-to-N: one item per iteration or per pass */
  many?: boolean;
}

export interface DiagramInfo {
  uri: string;
  version: number;
  /** the text the information is about: the view draws exactly this */
  text: string;
  /** the file has diagram interchange (a BPMNPlane): without it there is nothing to draw */
  hasDiagram: boolean;
  /** the first XML syntax error: the view keeps its last good drawing and says where (1-based line) */
  syntaxError?: { line: number; message: string };
  /** every element with an id: its start tag, for navigation both ways */
  elements: Array<{ id: string; range: Range }>;
  resources: DiagramResource[];
  /** problems by the innermost element with an id around them, worst severity first */
  problems: Array<{ elementId: string; severity: DiagramSeverity; messages: string[] }>;
  /** user tasks of a linked process that no resource completes */
  unlinkedUserTasks: string[];
  /** process id → the participant (pool) that shows it, for the root resource's place */
  pools: Record<string, string>;
}

const RANK: Record<DiagramSeverity, number> = { error: 0, warning: 1, information: 2 };

export function diagramInfo(doc: AnalyzedBpmn, diagnostics: readonly CoreDiagnostic[]): DiagramInfo {
  const an = doc.analysis;
  const syntax = diagnostics.find((d) => d.code === 'xml-syntax');
  return {
    uri: doc.uri,
    version: doc.version,
    text: doc.text,
    hasDiagram: /<([\w.-]+:)?BPMNPlane[\s>/]/.test(doc.text),
    ...(syntax ? { syntaxError: { line: doc.index.position(syntax.span.start).line + 1, message: syntax.message } } : {}),
    elements: an.doc.ids.map((e) => ({ id: e.id, range: doc.index.range({ start: e.element.start, end: e.element.startTagEnd }) })),
    resources: resourcesOf(doc),
    problems: problemsOf(doc, diagnostics.filter((d) => d.code !== 'xml-syntax')),
    unlinkedUserTasks: diagnostics.filter((d) => d.code === 'unlinked-user-task').map((d) => elementAt(an.doc.ids, d.span.start)?.id ?? '').filter(Boolean),
    pools: poolsOf(an.doc.ids),
  };
}

function resourcesOf(doc: AnalyzedBpmn): DiagramResource[] {
  const an = doc.analysis;
  const out: DiagramResource[] = [];
  for (const p of an.doc.processes) {
    const root = an.processResource.get(p);
    const rootLink = p.links.find((l) => an.linkResource.get(l) === root);
    if (root) out.push({ elementId: p.id, name: root.name, uri: root.uri, root: true, ...links(doc, root.collectionUri, rootLink) });
    for (const a of p.activities) {
      for (const link of a.links) {
        const r = an.linkResource.get(link);
        if (r) out.push({ elementId: a.id, name: r.name, uri: r.uri, ...(r.collectionUri ? { many: true } : {}), ...links(doc, r.collectionUri, link) });
      }
    }
  }
  return out;
}

function links(doc: AnalyzedBpmn, collectionUri: string | undefined, link: BpmnLink | undefined): Pick<DiagramResource, 'collectionUri' | 'nameRange'> {
  return { ...(collectionUri ? { collectionUri } : {}), ...(link?.nameSpan ? { nameRange: doc.index.range(link.nameSpan) } : {}) };
}

function problemsOf(doc: AnalyzedBpmn, diagnostics: readonly CoreDiagnostic[]): DiagramInfo['problems'] {
  const byElement = new Map<string, { severity: DiagramSeverity; messages: string[] }>();
  for (const d of diagnostics) {
    const el = elementAt(doc.analysis.doc.ids, d.span.start);
    if (!el) continue;
    const severity: DiagramSeverity = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'information';
    const entry = byElement.get(el.id) ?? { severity, messages: [] };
    if (RANK[severity] < RANK[entry.severity]) entry.severity = severity;
    entry.messages.push(d.message);
    byElement.set(el.id, entry);
  }
  return [...byElement].map(([elementId, e]) => ({ elementId, ...e })).sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/** The innermost element with an id whose markup holds `offset`: ids are in document order, so the last one that starts before it and ends after it. */
function elementAt(ids: ReadonlyArray<{ id: string; element: XmlElement }>, offset: number): { id: string } | undefined {
  let best: { id: string; element: XmlElement } | undefined;
  for (const e of ids) {
    if (e.element.start > offset) break;
    if (offset < e.element.end && (!best || e.element.start >= best.element.start)) best = e;
  }
  return best;
}

function poolsOf(ids: ReadonlyArray<{ id: string; element: XmlElement }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { id, element } of ids) {
    const ref = element.local === 'participant' ? refId(element, attrValue(element, 'processRef')) : undefined;
    if (ref) out[ref] = id;
  }
  return out;
}
