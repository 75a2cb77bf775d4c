import type { Hover } from 'vscode-languageserver';
import { allAttributes, multiplicityText } from '../../core/uml/model';
import { activitiesByResource } from '../../core/resources/routes';
import { activityAt, linkAt, processAt } from './context';
import type { AnalyzedBpmn } from './types';

/** Hover on a linkedResource (or its activity): URI template, multiplicity, attributes, who makes it writable. */
export function hover(doc: AnalyzedBpmn, offset: number): Hover | null {
  const an = doc.analysis;
  let link = linkAt(an, offset);
  if (!link) {
    const a = activityAt(an, offset);
    const onTag = a && offset >= a.element.start && offset <= a.element.startTagEnd;
    if (a && onTag) link = a.links[0];
    else {
      const p = processAt(an, offset);
      if (p && offset >= p.element.start && offset <= p.element.startTagEnd) link = p.links[0];
    }
  }
  if (!link) return null;
  const r = an.linkResource.get(link);
  if (!r) return null;
  const writers = activitiesByResource(an).get(r) ?? [];
  const lines = [`**${r.name}** \`${r.uri}\``, ''];
  if (r.collectionUri) lines.push(`collection \`${r.collectionUri}\``, '');
  lines.push(r.parent ? `child of **${r.parent.name}**, multiplicity \`${multiplicityText(r.lower, r.upper)}\`` : 'root resource (one per process instance, `POST ' + r.collectionUri + '` starts one)');
  const attrs = an.model ? allAttributes(an.model, r.cls) : r.cls.attributes;
  if (attrs.length) {
    lines.push('', '| attribute | type |', '|---|---|');
    for (const a of attrs) lines.push(`| ${a.name} | ${a.type || '?'} \`${multiplicityText(a.lower, a.upper)}\` |`);
  }
  lines.push('');
  if (writers.length) {
    lines.push(`\`GET\` any time; \`PUT\` (replace and complete) and \`PATCH\` (save) while ${writers.map((w) => `*${w.name ?? w.id}*`).join(' or ')} is active`);
  } else {
    lines.push('`GET` any time; no activity is linked to it, so it is never writable');
  }
  const span = link.nameSpan ?? link.elementSpan;
  return { contents: { kind: 'markdown', value: lines.join('\n') }, range: doc.index.range(span) };
}
