import type { CodeLens } from 'vscode-languageserver';
import { collectionMethods, itemMethods, WRITE } from '../../core/resources/methods';
import type { AnalyzedBpmn } from './types';

/** Above each linked process and activity: the URI and the methods it enables. */
export function codeLenses(doc: AnalyzedBpmn): CodeLens[] {
  const out: CodeLens[] = [];
  const an = doc.analysis;
  for (const p of an.doc.processes) {
    const root = an.processResource.get(p);
    if (root) {
      out.push({
        range: doc.index.range(p.span),
        command: { title: `${collectionMethods({ isRoot: true, linked: false }).filter((m) => m === 'POST').join('|')} ${root.collectionUri} · ${itemMethods({ isRoot: true, linked: false }).filter((m) => m === 'GET' || m === 'DELETE').join('|')} ${root.uri}`, command: 'bpmnResourceApi.showRoutes', arguments: [doc.uri] },
      });
    }
    for (const a of p.activities) {
      for (const l of a.links) {
        const r = an.linkResource.get(l);
        if (!r) continue;
        out.push({
          range: doc.index.range(a.span),
          command: { title: `${WRITE.join('|')} ${r.uri} while active`, command: 'bpmnResourceApi.showRoutes', arguments: [doc.uri] },
        });
      }
    }
  }
  return out;
}
