import type { Location } from 'vscode-languageserver';
import type { Method } from '../../core/resources/methods';
import { activitiesByResource, servedFacts } from '../../core/resources/routes';
import type { Resource } from '../../core/resources/tree';
import type { AnalyzedBpmn } from './types';

/**
 * The request behind the editor's "Resource API" view (`bpmnResourceApi/resourceTree`): LSP has no request for
 * a tree of this kind, so it is our own, and any client may call it. One entry per process linked to a root
 * resource, in the workspace's BPMN files; the tree below it as the facade serves it.
 */
export const RESOURCE_TREE_REQUEST = 'bpmnResourceApi/resourceTree';
/** Our request: the model file a BPMN file uses, `{ uri }` → the model's URI or null. */
export const MODEL_OF_REQUEST = 'bpmnResourceApi/modelOf';

export interface ResourceViewActivity {
  id: string;
  name: string | null;
  location: Location;
}

export interface ResourceViewNode {
  name: string;
  /** URI template of one item */
  uri: string;
  collectionUri?: string;
  multiplicity: string;
  methods: Method[];
  collectionMethods?: Method[];
  /** the class's name in the model file */
  classLocation?: Location;
  activities: ResourceViewActivity[];
  children: ResourceViewNode[];
}

export interface ResourceViewProcess {
  name: string;
  id: string;
  /** the process element in its BPMN file */
  location: Location;
  root: ResourceViewNode;
}

export function resourceTree(docs: AnalyzedBpmn[]): ResourceViewProcess[] {
  const out: ResourceViewProcess[] = [];
  for (const doc of docs) {
    const an = doc.analysis;
    const linked = activitiesByResource(an);
    const node = (r: Resource, root: Resource): ResourceViewNode => {
      const acts = linked.get(r) ?? [];
      return {
        name: r.name,
        uri: r.uri,
        ...(r.collectionUri ? { collectionUri: r.collectionUri } : {}),
        ...servedFacts(r, root, acts.length > 0),
        ...(doc.model ? { classLocation: { uri: doc.model.uri, range: doc.model.index.range(r.cls.nameSpan) } } : {}),
        activities: acts.map((a) => ({ id: a.id, name: a.name ?? null, location: { uri: doc.uri, range: doc.index.range(a.span) } })),
        children: r.children.map((c) => node(c, root)),
      };
    };
    for (const p of an.doc.processes) {
      const root = an.processResource.get(p);
      if (!root) continue;
      out.push({ name: p.name ?? p.id, id: p.id, location: { uri: doc.uri, range: doc.index.range(p.span) }, root: node(root, root) });
    }
  }
  return out;
}
