import type { BpmnAnalysis } from '../../core/analysis';
import type { BpmnActivity, BpmnLink, BpmnProcess } from '../../core/bpmn/model';

/** Where the cursor is, in terms of the annotation. Found from the text near the cursor (no re-parse). */
export type CursorContext =
  | { kind: 'linkName'; valueStart: number; valueEnd: number; typed: string; quote: string }
  | { kind: 'tagContent'; offset: number }
  | { kind: 'none' };

const MAX_LOOKBACK = 4000;

/**
 * Is the cursor inside the value of `name` on a `linkedResource` start tag, or in element content?
 * Scans back to the nearest `<` only, so it costs the same on a 10 MB file as on a small one.
 */
export function cursorContext(text: string, offset: number): CursorContext {
  const from = Math.max(0, offset - MAX_LOOKBACK);
  const lt = text.lastIndexOf('<', offset - 1);
  const gt = text.lastIndexOf('>', offset - 1);
  if (lt < from || gt > lt) return { kind: 'tagContent', offset };
  const tag = text.slice(lt, offset);
  const m = /^<([\w.-]+:)?linkedResource\b[^>]*?\bname\s*=\s*(["'])([^"'<>]*)$/.exec(tag);
  if (!m) return { kind: 'none' };
  const quote = m[2];
  const valueStart = offset - m[3].length;
  let valueEnd = offset;
  while (valueEnd < text.length && valueEnd - offset < 512) {
    const c = text[valueEnd];
    if (c === quote || c === '<' || c === '>' || c === '\n') break;
    valueEnd++;
  }
  return { kind: 'linkName', valueStart, valueEnd, typed: m[3], quote };
}

/** Innermost activity whose element contains the offset. */
export function activityAt(an: BpmnAnalysis, offset: number): BpmnActivity | undefined {
  let best: BpmnActivity | undefined;
  for (const p of an.doc.processes) {
    if (offset < p.element.start || offset > p.element.end) continue;
    for (const a of p.activities) {
      if (offset >= a.element.start && offset <= a.element.end && (!best || a.element.start >= best.element.start)) best = a;
    }
  }
  return best;
}

export function processAt(an: BpmnAnalysis, offset: number): BpmnProcess | undefined {
  return an.doc.processes.find((p) => offset >= p.element.start && offset <= p.element.end);
}

/** The link whose element (start tag) or name value contains the offset. */
export function linkAt(an: BpmnAnalysis, offset: number): BpmnLink | undefined {
  return an.doc.links.find(
    (l) => (offset >= l.elementSpan.start && offset <= l.elementSpan.end) || (l.nameSpan && offset >= l.nameSpan.start && offset <= l.nameSpan.end),
  );
}

