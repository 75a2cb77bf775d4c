import type { BpmnAnalysis } from '../analysis';
import type { BpmnActivity, BpmnProcess } from '../bpmn/model';
import { multiplicityText } from '../uml/model';
import { collectionMethods, itemMethods, type Method } from './methods';
import type { Resource } from './tree';

/** One row of `routes`: design.md's JSON shape, plus the methods the facade offers on it. */
export interface RouteEntry {
  resource: string;
  uri: string;
  collectionUri?: string;
  multiplicity: string;
  parent: string | null;
  activities: Array<{ id: string; name: string | null; process: string }>;
  /** methods of one item (core/resources/methods.ts) */
  methods: Method[];
  /** methods of the collection, for roots and 1-to-N children */
  collectionMethods?: Method[];
}

/** Activities linked to each resource, across all processes of the document. */
export function activitiesByResource(an: BpmnAnalysis): Map<Resource, BpmnActivity[]> {
  const out = new Map<Resource, BpmnActivity[]>();
  for (const p of an.doc.processes) {
    for (const a of p.activities) {
      for (const l of a.links) {
        const r = an.linkResource.get(l);
        if (!r) continue;
        let list = out.get(r);
        if (!list) out.set(r, (list = []));
        if (!list.includes(a)) list.push(a);
      }
    }
  }
  return out;
}

/** What is served of one resource below a process's root: its multiplicity and the methods of an item and of its collection. */
export function servedFacts(r: Resource, root: Resource, linked: boolean): { multiplicity: string; methods: Method[]; collectionMethods?: Method[] } {
  const facts = { isRoot: r === root, linked };
  return {
    multiplicity: r === root ? '0..*' : multiplicityText(r.lower, r.upper),
    methods: itemMethods(facts),
    ...(r.collectionUri ? { collectionMethods: collectionMethods(facts) } : {}),
  };
}

/** Resources served for a process: its resource and the subtree below it, parents first. */
export function subtree(root: Resource): Resource[] {
  const out: Resource[] = [root];
  for (let i = 0; i < out.length; i++) out.push(...out[i].children);
  return out;
}

export function routeTable(an: BpmnAnalysis): RouteEntry[] {
  const acts = activitiesByResource(an);
  const rows: RouteEntry[] = [];
  const seen = new Set<Resource>();
  const processes: BpmnProcess[] = an.doc.processes.filter((p) => an.processResource.has(p));
  for (const p of processes) {
    const root = an.processResource.get(p)!;
    for (const r of subtree(root)) {
      if (seen.has(r)) continue;
      seen.add(r);
      const linked = acts.get(r) ?? [];
      const served = servedFacts(r, root, linked.length > 0);
      const row: RouteEntry = {
        resource: r.name,
        uri: r.uri,
        multiplicity: served.multiplicity,
        parent: r === root ? null : r.parent?.name ?? null,
        activities: linked.map((a) => ({ id: a.id, name: a.name ?? null, process: a.process.id })),
        methods: served.methods,
      };
      if (r.collectionUri) {
        row.collectionUri = r.collectionUri;
        row.collectionMethods = served.collectionMethods;
      }
      rows.push(row);
    }
  }
  return rows;
}
