/**
 * What every handler of the facade shares: the API model, the engine port, the validators, and the
 * steps each write takes (validate, find the instance and item, check the state gate and If-Match,
 * send the representation).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lowerCamel } from '../core/resources/tree';
import type { ApiModel, ApiResource } from './api';
import type { InstanceSnapshot, ProcessEngineAdapter, ResourceData, VariableWrite } from './ports';
import { HttpProblem } from './problems';
import { itemRepresentation, processState, type ResourceState } from './representation';
import { dedupeErrors, Validators } from './schemas';
import { HAL } from './http';

export const BUSINESS_KEY = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

export class FacadeContext {
  readonly validators: Validators;

  constructor(
    readonly api: ApiModel,
    readonly engine: ProcessEngineAdapter,
  ) {
    this.validators = new Validators(api.model);
  }

  async loadInstance(key: string): Promise<InstanceSnapshot> {
    const snap = await this.engine.get(key);
    if (!snap) throw noInstance(key);
    return snap;
  }

  validate(res: ApiResource, body: Record<string, unknown>, mode: 'replace' | 'patch', extra = {}): void {
    const errors = dedupeErrors(this.validators.validate(res.resource.cls, body, mode, extra));
    if (errors.length) {
      throw new HttpProblem(400, `${errors.length} field${errors.length === 1 ? '' : 's'} of ${res.resource.name} ${errors.length === 1 ? 'is' : 'are'} invalid: ${errors.map((e) => `${e.name} ${e.reason}`).join('; ')}`, {
        type: 'https://bpmn-resource-api.dev/problems/validation',
        errors,
      });
    }
  }

  sendItem(reply: FastifyReply, res: ApiResource, snap: InstanceSnapshot, params: Record<string, string>, state: ResourceState, status = 200): FastifyReply {
    reply.header('ETag', state.etag).header('Allow', state.allow.join(', '));
    return reply.code(status).type(HAL).send(itemRepresentation(this.api, res, snap, params, state));
  }

  notWritable(res: ApiResource, snap: InstanceSnapshot, state: ResourceState): HttpProblem {
    const names = res.activities.map((a) => `'${a.name ?? a.id}'`).join(' or ');
    const now =
      snap.state === 'completed'
        ? 'the process has ended'
        : processState(snap) === 'incident'
          ? `the instance has an incident: ${snap.incident!.message}`
          : snap.waiting.length
          ? `the process is at ${[...new Set(snap.waiting.map((w) => this.api.activityName(w.activityId)))].map((n) => `'${n}'`).join(', ')}`
          : 'no activity is active';
    return new HttpProblem(409, `${res.resource.name} can be written only while ${names} is active; ${now}`, { allow: state.allow }, { Allow: state.allow.join(', ') });
  }
}

export function noInstance(key: string): HttpProblem {
  return new HttpProblem(404, `no instance with business key '${key}'`);
}

export function noItem(res: ApiResource, params: Record<string, string>): HttpProblem {
  return new HttpProblem(404, `no ${res.resource.name} '${params[res.resource.idParam!]}' in instance '${params.businessKey}'`);
}

export function checkIfMatch(req: FastifyRequest, state: ResourceState): void {
  const h = req.headers['if-match'];
  if (!h || h.trim() === '*') return;
  const tags = h.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(state.etag)) {
    throw new HttpProblem(412, `the resource has changed (its ETag is ${state.etag}); GET it again and retry`, {}, { ETag: state.etag });
  }
}

/**
 * design.md, "Process data": a write sets the resource object under its lowerCamel class name and
 * each attribute as a flat variable; a 1-to-N item's variables are local to its iteration.
 */
export function variablesOf(res: ApiResource, data: ResourceData, executionId?: string): VariableWrite {
  return { values: { ...data, [lowerCamel(res.resource.name)]: data }, scope: res.resource.many ? 'local' : 'process', ...(executionId ? { executionId } : {}) };
}
