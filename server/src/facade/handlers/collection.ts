import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { uriOf, type ApiResource } from '../api';
import { BUSINESS_KEY, variablesOf, type FacadeContext } from '../context';
import { HAL, methodNotAllowed, requireObject } from '../http';
import type { ResourceData } from '../ports';
import { HttpProblem } from '../problems';
import { classSchema } from '../schemas';
import { collectionIds, collectionMethods, itemRepresentation, processState, resourceState, templateProperties } from '../representation';

/** Time-ordered, so listing by key lists by creation. */
export function generateBusinessKey(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
}

/** A collection: the root's (list and start instances) or a 1-to-N child's (its items). */
export function collectionHandler(ctx: FacadeContext, res: ApiResource) {
  const allowed = collectionMethods(res);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const params = req.params as Record<string, string>;
    if (!allowed.includes(req.method)) throw methodNotAllowed(allowed);
    if (req.method === 'OPTIONS') return reply.code(204).header('Allow', allowed.join(', ')).send();
    if (res.isRoot && req.method === 'POST') return createInstance(ctx, req, reply, res);
    if (res.isRoot) return listInstances(ctx, req, reply, res);
    const snap = await ctx.loadInstance(params.businessKey);
    // Embedded items are exactly what a GET of each item gives (data, links, templates), so a
    // HAL-FORMS client may take them as the items (Ketting caches them so).
    const items = collectionIds(res, snap, params).map((id) => {
      const p = { ...params, [res.resource.idParam!]: id };
      return itemRepresentation(ctx.api, res, snap, p, resourceState(res, snap, p));
    });
    reply.header('Allow', allowed.join(', '));
    if (req.method === 'HEAD') return reply.type(HAL).send();
    return reply.type(HAL).send({
      _links: { self: { href: uriOf(res.resource.collectionUri!, params) }, up: { href: uriOf(res.resource.parent!.uri, params) } },
      count: items.length,
      _embedded: { [res.resource.segment]: items },
    });
  };
}

/** The process variables of a start: the root's data under its name and flat, and the business key. */
export function startVariables(res: ApiResource, businessKey: string, data: ResourceData): Record<string, unknown> {
  return { ...variablesOf(res, data).values, businessKey };
}

async function createInstance(ctx: FacadeContext, req: FastifyRequest, reply: FastifyReply, res: ApiResource) {
  const body = requireObject(req.body, { emptyIs: {} });
  ctx.validate(res, body, 'replace', { businessKey: { type: 'string', pattern: BUSINESS_KEY.source } });
  const { businessKey: given, ...data } = body as { businessKey?: string } & ResourceData;
  const businessKey = given ?? generateBusinessKey();
  const snap = await ctx.engine.start({ processId: ctx.api.process.id, businessKey, data: { [res.resource.name]: data }, variables: startVariables(res, businessKey, data) });
  const params = { businessKey };
  // The body is the new instance's representation, not the collection's: say so.
  reply.header('Location', uriOf(res.resource.uri, params)).header('Content-Location', uriOf(res.resource.uri, params));
  return ctx.sendItem(reply, res, snap, params, resourceState(res, snap, params), 201);
}

async function listInstances(ctx: FacadeContext, req: FastifyRequest, reply: FastifyReply, res: ApiResource) {
  const q = req.query as Record<string, string | undefined>;
  const offset = q.offset === undefined ? 0 : Number(q.offset);
  const limit = q.limit === undefined ? 20 : Number(q.limit);
  if (!Number.isInteger(offset) || offset < 0) throw new HttpProblem(400, 'offset must be a whole number ≥ 0', { errors: [{ name: 'offset', pointer: '?offset', reason: 'must be a whole number ≥ 0' }] });
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpProblem(400, 'limit must be a whole number from 1 to 100', { errors: [{ name: 'limit', pointer: '?limit', reason: 'must be 1 to 100' }] });
  const page = await ctx.engine.list({ offset, limit });
  const base = res.resource.collectionUri!;
  const links: Record<string, unknown> = { self: { href: `${base}?offset=${offset}&limit=${limit}` } };
  if (offset + limit < page.total) links.next = { href: `${base}?offset=${offset + limit}&limit=${limit}` };
  if (offset > 0) links.prev = { href: `${base}?offset=${Math.max(0, offset - limit)}&limit=${limit}` };
  reply.header('Allow', collectionMethods(res).join(', '));
  if (req.method === 'HEAD') return reply.type(HAL).send();
  return reply.type(HAL).send({
    _links: links,
    total: page.total,
    offset,
    limit,
    _embedded: {
      [res.resource.segment]: page.items.map((s) => ({
        businessKey: s.businessKey,
        state: processState(s),
        startedAt: s.startedAt,
        ...(s.data[res.resource.name] ?? {}),
        _links: { self: { href: uriOf(res.resource.uri, { businessKey: s.businessKey }) } },
      })),
    },
    _templates: {
      default: {
        title: `start ${ctx.api.process.name ?? ctx.api.process.id}`,
        method: 'POST',
        contentType: 'application/json',
        // Every field the start accepts: the business key and the root's attributes.
        properties: [{ name: 'businessKey', type: 'text', regex: BUSINESS_KEY.source }, ...templateProperties(classSchema(ctx.api.model, res.resource.cls))],
      },
    },
  });
}
