import type { FastifyReply, FastifyRequest } from 'fastify';
import { storageKey, uriOf, type ApiResource } from '../api';
import { BUSINESS_KEY, noInstance, variablesOf, type FacadeContext } from '../context';
import { methodNotAllowed, requireObject } from '../http';
import type { InstanceSnapshot, ResourceData, VariableWrite } from '../ports';
import { HttpProblem } from '../problems';
import { processState } from '../representation';
import { generateBusinessKey, startVariables } from './collection';

/**
 * `POST /messages/{name}` (adhesive's message callbacks): starts an instance at a message start event,
 * or correlates by `businessKey` to a waiting receive task or message catch event. The body's other
 * fields become process variables: validated as the linked resource's attributes where the receiving
 * element is linked (the root's for a start), else taken as plain variables.
 */
export function messageHandler(ctx: FacadeContext) {
  const { api } = ctx;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'OPTIONS') return reply.code(204).header('Allow', 'POST, OPTIONS').send();
    if (req.method !== 'POST') throw methodNotAllowed(['POST', 'OPTIONS']);
    const { messageName } = req.params as { messageName: string };
    const endpoint = api.messages.get(messageName);
    if (!endpoint) throw new HttpProblem(404, `the process has no message '${messageName}'`);
    const body = requireObject(req.body, { emptyIs: {} });
    const { businessKey, ...fields } = body as { businessKey?: unknown } & Record<string, unknown>;
    if (businessKey !== undefined && (typeof businessKey !== 'string' || !BUSINESS_KEY.test(businessKey))) {
      throw new HttpProblem(400, 'businessKey must be a string of letters, digits, ".", "_", "~" or "-"', { errors: [{ name: 'businessKey', pointer: '/businessKey', reason: 'has the wrong form' }] });
    }
    const starts = endpoint.triggers.some((t) => t.kind === 'startEvent' && !t.parent && t.process === api.process);
    // An existing instance is correlated in one read (update answers undefined when there is none).
    const correlate = (key: string) => (snap: InstanceSnapshot) => {
      const w = snap.waiting.find((x) => x.messageName === messageName);
      if (!w) throw new HttpProblem(404, `instance '${key}' is not waiting for message '${messageName}'`);
      const linked = api.resources.find((r) => !r.resource.many && r.activities.some((a) => a.id === w.activityId));
      const { data, variables } = messageData(ctx, linked, fields, w.executionId, { businessKey: key });
      return w.kind === 'receiveTask' ? { data, variables, complete: { executionId: w.executionId } } : { data, variables, messageId: endpoint.messageId ?? messageName };
    };
    const after = typeof businessKey === 'string' ? await ctx.engine.update(businessKey, correlate(businessKey), { events: true }) : undefined;
    if (after) return reply.code(200).send({ businessKey: after.businessKey, state: processState(after), _links: { instance: { href: uriOf(api.root.resource.uri, { businessKey: after.businessKey }) } } });
    if (!starts) {
      throw new HttpProblem(404, typeof businessKey === 'string' ? noInstance(businessKey).detail : `no instance waits for message '${messageName}': send the businessKey to correlate`);
    }
    const key = (businessKey as string | undefined) ?? generateBusinessKey();
    ctx.validate(api.root, fields, 'replace');
    const data = fields as ResourceData;
    const snap = await ctx.engine.start({
      processId: api.process.id,
      businessKey: key,
      data: { [api.root.resource.name]: data },
      variables: startVariables(api.root, key, data),
      startMessage: { messageId: endpoint.messageId ?? messageName },
    });
    const location = uriOf(api.root.resource.uri, { businessKey: key });
    return reply.code(201).header('Location', location).send({ businessKey: key, state: processState(snap), _links: { instance: { href: location } } });
  };
}

/** What a correlated message writes: the linked resource's data and variables, or plain variables. */
function messageData(ctx: FacadeContext, linked: ApiResource | undefined, fields: Record<string, unknown>, executionId: string, params: Record<string, string>): { data: Record<string, ResourceData>; variables: VariableWrite | undefined } {
  if (!Object.keys(fields).length) return { data: {}, variables: undefined };
  if (linked) {
    ctx.validate(linked, fields, 'replace');
    return { data: { [storageKey(linked, params)]: fields as ResourceData }, variables: variablesOf(linked, fields as ResourceData, executionId) };
  }
  return { data: {}, variables: { values: fields, scope: 'process', executionId } };
}
