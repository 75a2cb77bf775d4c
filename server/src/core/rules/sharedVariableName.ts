import { activityLinks } from '../analysis';
import { diag, type CoreDiagnostic } from '../diagnostics';
import { lowerCamel, type Resource } from '../resources/tree';
import { allAttributes } from '../uml/model';
import { linkSpan, type BpmnRule } from './types';

/**
 * Every write sets the resource object under its lowerCamel name and each attribute as a flat variable
 * (design.md, "Process data"). Two resources that write a variable of the same name overwrite each
 * other: last write wins. Said once per pair, at the second resource's first link.
 */
export const sharedVariableName: BpmnRule = {
  code: 'shared-variable-name',
  check(an) {
    if (!an.model) return [];
    const out: CoreDiagnostic[] = [];
    const writers = new Map<string, Resource>([['businessKey', undefined as unknown as Resource]]);
    const reported = new Set<string>();
    const seen = new Set<Resource>();
    const visit = (r: Resource, span: { start: number; end: number }) => {
      if (seen.has(r)) return;
      seen.add(r);
      const names = [lowerCamel(r.name), ...allAttributes(an.model!, r.cls).map((a) => a.name)];
      for (const n of new Set(names)) {
        const other = writers.get(n);
        if (other === r) continue;
        if (!writers.has(n)) {
          writers.set(n, r);
          continue;
        }
        const key = `${other?.name}|${r.name}|${n}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const who = other ? `${other.name} and ${r.name} both write` : `${r.name} writes`;
        const what = other ? 'the last write wins' : 'it overwrites the business key variable';
        out.push(diag('shared-variable-name', `${who} the process variable '${n}': ${what}`, span, { variable: n }));
      }
    };
    for (const p of an.doc.processes) {
      const r = an.processResource.get(p);
      const l = p.links.find((x) => an.linkResource.get(x) === r);
      if (r && l) visit(r, linkSpan(l));
    }
    for (const { link, resource } of activityLinks(an)) visit(resource, linkSpan(link));
    return out;
  },
};
