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
  process: BpmnProcess;
  root: ApiResource;
  resources: ApiResource[];
  byResource: Map<Resource, ApiResource>;
  messages: Map<string, MessageEndpoint>;
  model: UmlModel;
}

function route(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/** Picks the process to serve: the first executable process linked to a root resource. */
export function buildApi(an: BpmnAnalysis): ApiModel {
  if (!an.model || !an.tree) throw new UsageError('no readable resource model');
  const candidates = an.doc.processes.filter((p) => an.processResource.has(p));
  if (candidates.length === 0) throw new UsageError('no process is linked to a resource (add a linkedResource to the process)');
  const process =
    candidates.find((p) => !an.processResource.get(p)!.parent && p.element.attributes.some((a) => a.name === 'isExecutable' && a.raw === 'true')) ??
    candidates.find((p) => !an.processResource.get(p)!.parent) ??
    candidates[0];
  const rootResource = an.processResource.get(process)!;
  if (rootResource.parent) throw new UsageError(`process '${process.id}' is linked to ${rootResource.name}, which is not a root resource`);
  const acts = activitiesByResource(an);
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
      activities: (acts.get(r) ?? []).filter((a) => a.process === process),
      isRoot: r === rootResource,
    };
    resources.push(api);
    byResource.set(r, api);
  }
  const messages = new Map<string, MessageEndpoint>();
  for (const t of process.messageTriggers) {
    let m = messages.get(t.messageName);
    if (!m) messages.set(t.messageName, (m = { messageName: t.messageName, messageId: t.messageRef, triggers: [] }));
    m.triggers.push(t);
  }
  return { process, root: byResource.get(rootResource)!, resources, byResource, messages, model: an.model };
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
