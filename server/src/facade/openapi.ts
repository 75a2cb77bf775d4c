import type { ApiModel, ApiResource } from './api';
import { MAX_PARAM_LENGTH } from './http';
import { classSchema, type JsonSchema } from './schemas';
import { collectionMethods, possibleItemMethods } from './representation';
import { packageVersion } from '../node/version';

/** OpenAPI 3.1 of the facade, generated from the same models as the routes. */
export function buildOpenApi(api: ApiModel, options: { token?: boolean } = {}): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        errors: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' }, pointer: { type: 'string' }, reason: { type: 'string' } } },
        },
      },
      required: ['title', 'status'],
    },
    Links: { type: 'object', additionalProperties: { type: 'object', properties: { href: { type: 'string' }, title: { type: 'string' } } } },
  };
  const name = (res: ApiResource) => res.resource.name.replace(/[^A-Za-z0-9._-]/g, '_');
  for (const res of api.resources) {
    const data = classSchema(api.model, res.resource.cls);
    if (possibleItemMethods(res).includes('PUT')) schemas[name(res)] = data;
    schemas[`${name(res)}Representation`] = {
      type: 'object',
      properties: { ...(data.properties as object), _links: { $ref: '#/components/schemas/Links' }, _templates: { type: 'object' } },
    };
  }
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  const hal = (res: ApiResource, description: string) => ({
    description,
    headers: { ETag: { schema: { type: 'string' } }, 'Content-Location': { schema: { type: 'string' } } },
    // One body, three names for it: the client's Accept picks (http.ts, negotiate).
    content: Object.fromEntries(['application/hal+json', 'application/prs.hal-forms+json', 'application/json'].map((t) => [t, { schema: { $ref: `#/components/schemas/${name(res)}Representation` } }])),
  });
  const params = (template: string) =>
    [...template.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const ifMatch = { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } };
  const body = (res: ApiResource, type: string) => ({ required: true, content: { [type]: { schema: { $ref: `#/components/schemas/${name(res)}` } } } });

  const paths: Record<string, Record<string, unknown>> = {};
  for (const res of api.resources) {
    const r = res.resource;
    const item: Record<string, unknown> = { parameters: params(r.uri) };
    const acts = res.activities.map((a) => a.name ?? a.id).join(', ');
    item.get = { operationId: `get${name(res)}`, summary: `Read ${r.name} (any time)`, responses: { '200': hal(res, r.name), '304': { description: 'not modified' }, '404': problem('no such instance or item') } };
    const methods = possibleItemMethods(res);
    if (methods.includes('PUT')) {
      item.put = {
        operationId: `replace${name(res)}`,
        summary: `Replace ${r.name} and complete the active activity (${acts})`,
        parameters: [ifMatch],
        requestBody: body(res, 'application/json'),
        responses: { '200': hal(res, 'written; the activity is completed'), '400': problem('invalid body'), '404': problem('not found'), '409': problem('no linked activity is active'), '412': problem('stale ETag'), '413': problem('body too large'), '415': problem('not JSON'), '422': problem('the process cannot take this write (a condition or expression fails); nothing was written') },
      };
    }
    if (methods.includes('PATCH')) {
      item.patch = {
        operationId: `patch${name(res)}`,
        summary: `Save part of ${r.name}; the activity stays active (${acts})`,
        parameters: [ifMatch],
        requestBody: body(res, 'application/merge-patch+json'),
        responses: { '200': hal(res, 'saved'), '400': problem('invalid body'), '404': problem('not found'), '409': problem('no linked activity is active'), '412': problem('stale ETag'), '415': problem('not JSON') },
      };
    }
    if (methods.includes('DELETE')) {
      item.delete = { operationId: `delete${name(res)}`, summary: 'Delete the process instance', responses: { '204': { description: 'deleted' }, '404': problem('not found') } };
    }
    paths[r.uri] = item;
    if (r.collectionUri) {
      const coll: Record<string, unknown> = { parameters: params(r.collectionUri) };
      coll.get = {
        operationId: `list${name(res)}`,
        summary: res.isRoot ? `List instances (paged)` : `List the ${r.name} items`,
        ...(res.isRoot
          ? {
              parameters: [
                { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
                { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
              ],
            }
          : {}),
        responses: {
          '200': { description: 'the collection', content: Object.fromEntries(['application/hal+json', 'application/prs.hal-forms+json', 'application/json'].map((t) => [t, { schema: { type: 'object' } }])) },
          ...(res.isRoot ? { '400': problem('offset or limit out of range') } : {}),
          '404': problem('not found'),
        },
      };
      if (collectionMethods(res).includes('POST')) {
        const data = classSchema(api.model, r.cls);
        schemas[`${name(res)}Start`] = { ...data, title: `${r.name} (start)`, properties: { businessKey: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$' }, ...(data.properties as object) } };
        coll.post = {
          operationId: `start${name(res)}`,
          summary: `Start ${api.process.name ?? api.process.id}`,
          requestBody: {
            required: false,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${name(res)}Start` } } },
          },
          responses: { '201': { ...hal(res, 'started'), headers: { Location: { schema: { type: 'string' } } } }, '400': problem('invalid body'), '409': problem('business key in use'), '422': problem('the process cannot start with this data (a condition or expression fails)') },
        };
      }
      paths[r.collectionUri] = coll;
    }
  }
  const messageAnswer = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/MessageAnswer' } } },
  });
  if (api.messages.size) {
    schemas.MessageAnswer = {
      type: 'object',
      properties: { businessKey: { type: 'string' }, state: { type: 'string', enum: ['active', 'completed', 'incident'] }, _links: { $ref: '#/components/schemas/Links' } },
      required: ['businessKey', 'state'],
    };
  }
  for (const m of api.messages.values()) {
    paths[`/messages/${m.messageName}`] = {
      post: {
        operationId: `message_${m.messageName.replace(/[^A-Za-z0-9_]/g, '_')}`,
        summary: `Send message '${m.messageName}' (${m.triggers.map((t) => t.kind).join(', ')})`,
        requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', description: 'businessKey correlates; the other fields become process variables', properties: { businessKey: { type: 'string' } } } } } },
        responses: { '200': messageAnswer('correlated to a waiting instance'), '201': { ...messageAnswer('started an instance'), headers: { Location: { schema: { type: 'string' } } } }, '400': problem('invalid body'), '415': problem('not JSON'), '404': problem('no instance waits for it'), '422': problem('the process cannot take the message (a condition or expression fails)') },
      },
    };
  }
  // Every operation: its tag (the resource class), its security (explicitly none without a token), and
  // the problem answers every route can give (401 with a token, 403 for a Host that is not allowed).
  const security = options.token ? [{ bearer: [] }] : [];
  const tags: Array<{ name: string; description: string }> = [];
  const tagOf = (template: string): string => {
    const res = api.resources.find((x) => x.resource.uri === template || x.resource.collectionUri === template);
    return res ? res.resource.name : 'messages';
  };
  for (const [template, item] of Object.entries(paths)) {
    const tag = tagOf(template);
    if (!tags.some((t) => t.name === tag)) {
      const res = api.resources.find((x) => x.resource.name === tag);
      const about = res ? `${res.resource.uri}${res.activities.length ? `, written while ${res.activities.map((a) => a.name ?? a.id).join(' or ')} is active` : ''}` : '';
      tags.push({ name: tag, description: res ? (res.resource.cls.documentation ? `${res.resource.cls.documentation}\n\n${about}` : about) : 'Messages to start or correlate instances' });
    }
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const o = op as { tags?: string[]; security?: unknown; responses: Record<string, unknown> };
      o.tags = [tag];
      o.security = security;
      o.responses['403'] = problem('the Host header does not name this machine');
      o.responses['406'] = problem('the request accepts none of the media types the API answers with');
      if (method === 'post' || method === 'put' || method === 'patch') o.responses['413'] = problem('body too large');
      if (options.token) o.responses['401'] = problem('a valid bearer token is required');
      if (template.includes('{')) {
        // The router refuses these before any handler (http.ts): an overlong or malformed path segment.
        o.responses['400'] ??= problem('the path is not a valid URL (a malformed %-escape)');
        o.responses['414'] = problem(`a path segment is longer than ${MAX_PARAM_LENGTH} characters`);
      }
      o.responses['500'] = problem('internal error');
    }
  }
  const doc: Record<string, unknown> = {
    openapi: '3.1.0',
    info: { title: `${api.process.name ?? api.process.id} — resource API`, version: packageVersion(), description: 'Generated by bpmn-resource-api from the BPMN process and its UML resource model.' },
    servers: [{ url: '/', description: 'this server' }],
    tags,
    paths,
    components: { schemas, ...(options.token ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}) },
  };
  doc.security = security;
  return doc;
}
