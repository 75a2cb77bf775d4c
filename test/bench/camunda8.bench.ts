/**
 * The Camunda 8 adapter's cost (remoteEngine.ts), at the orchestration-cluster API STAND-IN
 * (test/facade/camunda8/standin.ts); the direct calls are the two searches a GET makes, in parallel.
 * The client runs with its default validation (none, as users run it unless they set CAMUNDA_SDK_VALIDATION).
 */
import * as path from 'node:path';
import { Camunda8StandIn } from '../facade/camunda8/standin';
import { EXAMPLE } from '../helpers';
import { remoteEngineBench } from './remoteEngine';

export async function camunda8Bench(): Promise<Record<string, unknown>> {
  const standIn = await new Camunda8StandIn({ bpmnFile: path.join(EXAMPLE, 'application.bpmn') }).start();
  const post = (p: string, body: unknown) => fetch(`${standIn.url}/v2/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return remoteEngineBench('Camunda 8 adapter', 'camunda8', standIn, async () => {
    const found = (await (await post('process-instances/search', { filter: { variables: [{ name: 'businessKey', value: '"bench"' }] } })).json()) as { items: { processInstanceKey: string }[] };
    const rootKey = found.items[0].processInstanceKey;
    return async () => {
      const [a, b] = await Promise.all([
        post('variables/search', { filter: { processInstanceKey: rootKey, scopeKey: rootKey }, page: { limit: 1000 } }),
        post('user-tasks/search', { filter: { state: 'CREATED', processInstanceVariables: [{ name: 'businessKey', value: '"bench"' }] }, page: { limit: 1000 } }),
      ]);
      await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
    };
  });
}
