import type { BpmnAnalysis } from '../core/analysis';
import type { BpmnActivity, BpmnProcess, MessageTrigger } from '../core/bpmn/model';
import { activitiesByResource, subtree } from '../core/resources/routes';
import type { Resource } from '../core/resources/tree';
import type { UmlModel } from '../core/uml/model';
import { UsageError } from '../node/files';

/** What the facade serves, derived once at start-up from the two models (no code is generated). */
export interface ApiResource {
  resource: Resource;
  /** resources from the process resource (exclusive) down to this one (inclusive) */
  path: Resource[];
  /** fastify route of one item, e.g. `/application/:businessKey/document/:documentId` */
  itemRoute: string;
  /** fastify route of the collection (roots and 1-to-N children) */
  collectionRoute: string | undefined;
  /** activities whose activation makes this resource writable */
  activities: BpmnActivity[];
  isRoot: boolean;
}

export interface MessageEndpoint {
  messageName: string;
  /** message element id, for signalling message events */
  messageId: string | undefined;
  triggers: MessageTrigger[];
}

export interface ApiModel {
  /** the served process */
  process: BpmnProcess;
  /** the served process and every process it calls (transitively), from any of the served files */
  processes: BpmnProcess[];
  /** an activity's name, else its id, in any of those processes */
  activityName(id: string): string;
  root: ApiResource;
  resources: ApiResource[];
  byResource: Map<Resource, ApiResource>;
  messages: Map<string, MessageEndpoint>;
  model: UmlModel;
}

function route(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/**
 * Picks the process to serve among the analysed files (the first executable process linked to a root
 * resource, else the first linked to a root), and the processes it calls from any of the files.
 */
export function buildApi(analyses: BpmnAnalysis[]): ApiModel {
  const an0 = analyses[0];
  if (!an0?.model || !an0.tree) throw new UsageError('no readable resource model');
  const all = analyses.flatMap((an) => an.doc.processes.map((p) => ({ p, an })));
  const candidates = all.filter(({ p, an }) => an.processResource.has(p));
  if (candidates.length === 0) throw new UsageError('no process is linked to a resource (add a linkedResource to the process)');
  const isRootLinked = ({ p, an }: { p: BpmnProcess; an: BpmnAnalysis }) => !an.processResource.get(p)!.parent;
  const chosen =
    candidates.find((c) => isRootLinked(c) && c.p.element.attributes.some((a) => a.name === 'isExecutable' && a.raw === 'true')) ??
    candidates.find(isRootLinked) ??
    candidates[0];
  const { p: process, an } = chosen;
  const rootResource = an.processResource.get(process)!;
  if (rootResource.parent) throw new UsageError(`process '${process.id}' is linked to ${rootResource.name}, which is not a root resource`);
  // The served process and what it calls, transitively, in any file.
  const byId = new Map<string, BpmnProcess>();
  for (const { p } of all) if (!byId.has(p.id)) byId.set(p.id, p);
  const processes: BpmnProcess[] = [process];
  for (let i = 0; i < processes.length; i++) {
    for (const a of processes[i].activities) {
      const called = a.calledElement ? byId.get(a.calledElement) : undefined;
      if (called && !processes.includes(called)) processes.push(called);
    }
  }
  const acts = new Map<Resource, BpmnActivity[]>();
  for (const a of analyses) {
    for (const [r, list] of activitiesByResource(a)) {
      const same = an0.tree.resources.find((x) => x.cls.id === r.cls.id) ?? r;
      acts.set(same, [...(acts.get(same) ?? []), ...list]);
    }
  }
  const resources: ApiResource[] = [];
  const byResource = new Map<Resource, ApiResource>();
  for (const r of subtree(rootResource)) {
    const path: Resource[] = [];
    for (let x: Resource | undefined = r; x && x !== rootResource; x = x.parent) path.unshift(x);
    const api: ApiResource = {
      resource: r,
      path,
      itemRoute: route(r.uri),
      collectionRoute: r.collectionUri ? route(r.collectionUri) : undefined,
      activities: (acts.get(r) ?? []).filter((a) => processes.includes(a.process)),
      isRoot: r === rootResource,
    };
    resources.push(api);
    byResource.set(r, api);
  }
  const messages = new Map<string, MessageEndpoint>();
  for (const t of processes.flatMap((p) => (p === process ? p.messageTriggers : p.messageTriggers.filter((m) => m.kind !== 'startEvent')))) {
    let m = messages.get(t.messageName);
    if (!m) messages.set(t.messageName, (m = { messageName: t.messageName, messageId: t.messageRef, triggers: [] }));
    m.triggers.push(t);
  }
  const names = new Map<string, string>();
  for (const p of processes) for (const a of p.activities) names.set(a.id, a.name ?? a.id);
  for (const p of processes) for (const t of p.messageTriggers) if (!names.has(t.elementId)) names.set(t.elementId, t.elementName ?? t.elementId);
  return { process, processes, activityName: (id) => names.get(id) ?? id, root: byResource.get(rootResource)!, resources, byResource, messages, model: an.model! };
}

/** Storage key of a resource's data inside its instance: `Application`, `Decision/Approval`, `Document:<id>`. */
export function storageKey(api: ApiResource, params: Record<string, string>): string {
  if (api.isRoot) return api.resource.name;
  return api.path.map((r) => (r.many ? `${r.name}:${params[r.idParam!]}` : r.name)).join('/');
}

/** Prefix of the storage keys of a 1-to-N resource's items under the given parent: `Document:`, `Document:<id>/Page:`. */
export function itemKeyPrefix(api: ApiResource, params: Record<string, string>): string {
  const parents = api.path.slice(0, -1).map((r) => (r.many ? `${r.name}:${params[r.idParam!]}` : r.name));
  return [...parents, `${api.resource.name}:`].join('/');
}

/** Concrete URI of a resource for the given path parameters. */
export function uriOf(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, p: string) => encodeURIComponent(params[p] ?? ''));
}
