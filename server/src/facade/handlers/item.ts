import type { FastifyReply, FastifyRequest } from 'fastify';
import { storageKey, type ApiResource } from '../api';
import { checkIfMatch, noInstance, noItem, variablesOf, type FacadeContext } from '../context';
import { methodNotAllowed, requireObject } from '../http';
import type { ReadOptions, ResourceData } from '../ports';
import { dataHashOfIfMatch, possibleItemMethods, resourceState } from '../representation';

/**
 * One resource item: GET/HEAD/OPTIONS any time, PUT (replace and complete the active linked activity,
 * setting the process variables in the same step) and PATCH (merge, save, keep the activity active)
 * while a linked activity is active, DELETE of the root (the instance).
 */
export function itemHandler(ctx: FacadeContext, res: ApiResource) {
  const possible = possibleItemMethods(res);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const params = req.params as Record<string, string>;
    const method = req.method;
    if (!possible.includes(method)) {
      const snap = await ctx.engine.get(params.businessKey);
      const state = resourceState(res, snap, params);
      throw methodNotAllowed(state.exists ? state.allow : possible);
    }
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      const snap = await ctx.loadInstance(params.businessKey);
      const state = resourceState(res, snap, params);
      if (!state.exists) throw noItem(res, params);
      if (method === 'OPTIONS') return reply.code(204).header('Allow', state.allow.join(', ')).send();
      if (method === 'HEAD') return reply.code(200).header('ETag', state.etag).header('Allow', state.allow.join(', ')).type('application/hal+json').send();
      const inm = req.headers['if-none-match'];
      if (inm && inm.split(',').map((t) => t.trim()).includes(state.etag)) return reply.code(304).header('ETag', state.etag).send();
      return ctx.sendItem(reply, res, snap, params, state);
    }
    if (method === 'DELETE') {
      if (!(await ctx.engine.delete(params.businessKey))) throw noInstance(params.businessKey);
      return reply.code(204).send();
    }
    const body = requireObject(req.body, { patch: method === 'PATCH' });
    ctx.validate(res, body, method === 'PUT' ? 'replace' : 'patch');
    const key = storageKey(res, params);
    const after = await ctx.engine.update(params.businessKey, (snap) => {
      const state = resourceState(res, snap, params);
      if (!state.exists) throw noItem(res, params);
      if (!state.writers.length) throw ctx.notWritable(res, snap, state);
      checkIfMatch(req, state);
      const writer = state.writers[0].executionId;
      if (method === 'PUT') return { data: { [key]: body as ResourceData }, complete: { executionId: writer }, variables: variablesOf(res, body as ResourceData, writer) };
      const merged = mergePatch(state.data, body);
      return { data: { [key]: merged }, variables: variablesOf(res, merged, writer) };
    }, writeReadOptions(method, res, key, req.headers['if-match']));
    if (!after) throw noInstance(params.businessKey);
    return ctx.sendItem(reply, res, after, params, resourceState(res, after, params));
  };
}

/**
 * What the write's decision needs to see: a PUT replaces the resource, so where the instance waits is
 * enough, and with If-Match also the engine's word that the stored data hash is the one the ETag names.
 */
function writeReadOptions(method: string, res: ApiResource, key: string, ifMatch: string | undefined): ReadOptions {
  if (method !== 'PUT' || res.isRoot) return {};
  if (!ifMatch) return { waitingOnly: true };
  const hash = dataHashOfIfMatch(ifMatch);
  return hash ? { waitingOnly: true, ifMatch: { key, dataHash: hash } } : {};
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): ResourceData {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch as ResourceData;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = typeof v === 'object' && !Array.isArray(v) ? mergePatch(out[k], v) : v;
  }
  return out;
}
