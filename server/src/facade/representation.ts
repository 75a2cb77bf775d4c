import { createHash } from 'node:crypto';
import type { InstanceSnapshot, ResourceData, WaitingActivity } from './ports';
import { itemKeyPrefix, storageKey, uriOf, type ApiModel, type ApiResource } from './api';
import { classSchema, type JsonSchema } from './schemas';
import { collectionMethods as coreCollectionMethods, itemMethods, itemMethodsNow, type MethodFacts } from '../core/resources/methods';

/** What a resource is at this moment: its data, which activities make it writable, what is allowed. */
export interface ResourceState {
  exists: boolean;
  data: ResourceData;
  writers: WaitingActivity[];
  allow: string[];
  etag: string;
}

export function resourceState(api: ApiResource, snap: InstanceSnapshot | undefined, params: Record<string, string>): ResourceState {
  if (!snap) return { exists: false, data: {}, writers: [], allow: [], etag: '' };
  const key = storageKey(api, params);
  const stored = snap.data[key];
  const ids = new Set(api.activities.map((a) => a.id));
  const r = api.resource;
  const writers = snap.waiting.filter((w) => w.kind === 'task' && ids.has(w.activityId) && (!r.many || w.scopeId === params[r.idParam!]));
  const exists = api.isRoot || !r.many || stored !== undefined || writers.length > 0;
  const allow: string[] = itemMethodsNow(methodFacts(api), writers.length > 0);
  const data = stored ?? {};
  // A read for a PUT with If-Match may carry, instead of the data, the engine's word that it is unchanged.
  const known = stored === undefined ? snap.dataHashes?.[key] : undefined;
  return { exists, data, writers, allow, etag: known ? etagFromHash(known, allow) : etagOf(data, allow) };
}

/**
 * A resource's ETag: a hash of its data, then one of the methods it allows now (the representation's
 * templates change with them). The data part is stored beside the data by remote adapters, so a PUT with
 * If-Match can be checked by a task query filtered on it (one engine call) instead of reading the data.
 */
export function etagOf(data: unknown, allow: string[]): string {
  return etagFromHash(dataHash(data), allow);
}

/** Hex, so that it can stand in engine-rest's `name_eq_value` query form (no `_`, no `,`). */
export function dataHash(data: unknown): string {
  return createHash('sha1').update(JSON.stringify(data)).digest('hex').slice(0, 20);
}

export function etagFromHash(hash: string, allow: string[]): string {
  return `"${hash}.${createHash('sha1').update(allow.join(',')).digest('hex').slice(0, 8)}"`;
}

/** The data hash of an If-Match with a single ETag of ours, else undefined (`*`, several tags, a foreign tag). */
export function dataHashOfIfMatch(header: string | undefined): string | undefined {
  const m = header ? /^(?:W\/)?"([0-9a-f]{20})\.[0-9a-f]{8}"$/.exec(header.trim()) : null;
  return m ? m[1] : undefined;
}

function methodFacts(api: ApiResource): MethodFacts {
  return { isRoot: api.isRoot, linked: api.activities.length > 0 };
}

/** Methods that can ever apply to an item (core/resources/methods.ts). */
export function possibleItemMethods(api: ApiResource): string[] {
  return itemMethods(methodFacts(api));
}

export function collectionMethods(api: ApiResource): string[] {
  return coreCollectionMethods(methodFacts(api));
}

/** Ids of the items of a 1-to-N collection: stored data and the iterations waiting now. */
export function collectionIds(api: ApiResource, snap: InstanceSnapshot, params: Record<string, string>): string[] {
  const prefix = itemKeyPrefix(api, params);
  const ids = new Set<string>();
  for (const key of Object.keys(snap.data)) {
    if (key.startsWith(prefix) && !key.slice(prefix.length).includes('/')) ids.add(key.slice(prefix.length));
  }
  const acts = new Set(api.activities.map((a) => a.id));
  for (const w of snap.waiting) if (w.kind === 'task' && acts.has(w.activityId)) ids.add(w.scopeId);
  return [...ids];
}

/**
 * HAL-FORMS properties of a request body, with the type mapping used everywhere (numbers, checkboxes,
 * date-times, enumerations as inline options). A class-typed attribute is one property that takes a JSON
 * object (`type: textarea`, its class named in the prompt): HAL-FORMS has no nested forms.
 */
export function templateProperties(schema: JsonSchema): Array<Record<string, unknown>> {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props).map(([name, s]) => {
    const p: Record<string, unknown> = { name };
    const t = s.type;
    if (t === 'integer' || t === 'number') p.type = 'number';
    else if (t === 'boolean') p.type = 'checkbox';
    else if (s.format === 'date-time') p.type = 'datetime-local';
    else if (t === 'string') p.type = 'text';
    else if (t === 'object' || t === 'array') {
      p.type = 'textarea';
      p.prompt = `${name}: ${t === 'array' ? 'a JSON array' : `a JSON object${typeof s.title === 'string' ? ` (${s.title})` : ''}`}`;
    }
    if (t === 'integer') p.step = 1;
    if (Array.isArray(s.enum)) p.options = { inline: s.enum, maxItems: 1 };
    if (Array.isArray(schema.required) && (schema.required as string[]).includes(name)) p.required = true;
    return p;
  });
}

/** HAL + HAL-FORMS representation of one item: data, links to parent/children/collections, allowed templates. */
export function itemRepresentation(
  api: ApiModel,
  res: ApiResource,
  snap: InstanceSnapshot,
  params: Record<string, string>,
  state: ResourceState,
): Record<string, unknown> {
  const r = res.resource;
  const self = uriOf(r.uri, params);
  const links: Record<string, unknown> = { self: { href: self } };
  if (r.parent) links.up = { href: uriOf(r.parent.uri, params) };
  else links.collection = { href: r.collectionUri };
  if (r.many) links.collection = { href: uriOf(r.collectionUri!, params) };
  for (const c of r.children) {
    const child = api.byResource.get(c);
    if (!child) continue;
    links[c.segment] = { href: uriOf(c.many ? c.collectionUri! : c.uri, params), ...(c.many ? {} : { title: c.name }) };
  }
  const templates: Record<string, unknown> = {};
  const schema = classSchema(api.model, r.cls);
  const activity = (w: WaitingActivity) => res.activities.find((a) => a.id === w.activityId);
  if (state.writers.length) {
    const title = activity(state.writers[0])?.name ?? state.writers[0].activityId;
    templates.default = { title: `${title}: replace and complete`, method: 'PUT', contentType: 'application/json', properties: templateProperties(schema) };
    templates.patch = { title: `${title}: save`, method: 'PATCH', contentType: 'application/merge-patch+json', properties: templateProperties(schema) };
  }
  if (res.isRoot) templates.delete = { title: 'delete this instance', method: 'DELETE', properties: [] };
  const body: Record<string, unknown> = { ...state.data, ...(r.many ? { [r.idParam!]: params[r.idParam!] } : {}), _links: links };
  if (Object.keys(templates).length) body._templates = templates;
  if (res.isRoot) {
    body._process = {
      businessKey: snap.businessKey,
      state: processState(snap),
      startedAt: snap.startedAt,
      ...(snap.endedAt ? { endedAt: snap.endedAt } : {}),
      waiting: snap.waiting.map((w) => ({
        activityId: w.activityId,
        name: api.activityName(w.activityId),
        ...(w.messageName ? { message: w.messageName } : {}),
        ...(w.kind === 'task' && !api.resources.some((r) => r.activities.some((a) => a.id === w.activityId)) ? { writable: false } : {}),
      })),
      ...(snap.incident ? { incident: snap.incident } : {}),
    };
  } else if (snap.incident) {
    // An incident is never a silent 200: a write that led to one shows it in its own answer too.
    body._process = { businessKey: snap.businessKey, state: processState(snap), incident: snap.incident };
  }
  return body;
}

/**
 * The state a client sees: `incident` for an instance that has not ended but can no longer move (nothing
 * waits and an incident says why), else the engine's `active` or `completed`.
 */
export function processState(snap: InstanceSnapshot): 'active' | 'completed' | 'incident' {
  return snap.state === 'active' && snap.incident && !snap.waiting.length ? 'incident' : snap.state;
}
