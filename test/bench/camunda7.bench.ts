/**
 * The Camunda 7 adapter's cost (remoteEngine.ts), at the engine-rest STAND-IN
 * (test/facade/camunda7/standin.ts); the direct calls are the two a GET makes, in parallel.
 */
import * as path from 'node:path';
import { Camunda7StandIn } from '../facade/camunda7/standin';
import { EXAMPLE } from '../helpers';
import { remoteEngineBench } from './remoteEngine';

export async function camunda7Bench(): Promise<Record<string, unknown>> {
  const standIn = await new Camunda7StandIn({ bpmnFile: path.join(EXAMPLE, 'application.bpmn') }).start();
  const result = await remoteEngineBench('Camunda 7 adapter', 'camunda7', standIn, async () => async () => {
    const [a, b] = await Promise.all([fetch(`${standIn.url}/process-instance/pi-bench/variables?deserializeValues=false`), fetch(`${standIn.url}/task?processInstanceBusinessKey=bench`)]);
    await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
  });
  standIn.assertClean();
  return result;
}
