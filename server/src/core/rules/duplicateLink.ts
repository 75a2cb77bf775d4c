import { diag, type CoreDiagnostic } from '../diagnostics';
import type { XmlElement } from '../xml/scanner';
import { linkSpan, type BpmnRule } from './types';

export const duplicateLink: BpmnRule = {
  code: 'duplicate-link',
  check(an) {
    const out: CoreDiagnostic[] = [];
    const seen = new Map<XmlElement, Set<string>>();
    for (const l of an.doc.links) {
      if (!l.name) continue;
      const r = an.linkResource.get(l);
      const key = r ? `class:${r.cls.id}` : `name:${l.name.toLowerCase()}`;
      let keys = seen.get(l.host.element);
      if (!keys) seen.set(l.host.element, (keys = new Set()));
      if (keys.has(key)) {
        const what = r ? r.name : l.name;
        out.push(diag('duplicate-link', `${what} is already linked on this ${l.host.tag}`, linkSpan(l)));
      } else keys.add(key);
    }
    return out;
  },
};
