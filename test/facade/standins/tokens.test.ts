/**
 * The stand-ins' token machine states each rule it imitates, with the page it comes from:
 * - C8 "Variables": https://docs.camunda.io/docs/components/concepts/variables/ (variable scopes, local
 *   variables, variable propagation); C8 "Exclusive gateways" (conditions, incidents when none holds);
 *   C8 "Multi-instance" (inputCollection, inputElement, loopCounter, numberOf… variables).
 * - C7 user guide "Process Variables" (https://docs.camunda.org/manual/7.24/user-guide/process-engine/variables/):
 *   scope executions hold variables, setVariable goes to the scope that has the name, else the process
 *   instance; "Transactions in Processes": a failing command is rolled back whole.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers';
import { readModel } from './model';
import { CommandFailed, TokenMachine, type Dialect } from './tokens';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;

/** task → gateway (condition `cond`) → Next | End, with Sub (a subprocess holding Inner) before it. */
function model(cond: string, notCond: string, mi = ''): string {
  return `${HEAD}
  <bpmn:process id="P" isExecutable="true">
    <bpmn:startEvent id="S" />
    <bpmn:subProcess id="Sub">${mi}
      <bpmn:startEvent id="SubS" /><bpmn:userTask id="Inner" /><bpmn:endEvent id="SubE" />
      <bpmn:sequenceFlow id="s1" sourceRef="SubS" targetRef="Inner" /><bpmn:sequenceFlow id="s2" sourceRef="Inner" targetRef="SubE" />
    </bpmn:subProcess>
    <bpmn:userTask id="Task" />
    <bpmn:exclusiveGateway id="Gw" />
    <bpmn:userTask id="Next" />
    <bpmn:endEvent id="End" /><bpmn:endEvent id="End2" />
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Sub" /><bpmn:sequenceFlow id="f2" sourceRef="Sub" targetRef="Task" />
    <bpmn:sequenceFlow id="f3" sourceRef="Task" targetRef="Gw" />
    <bpmn:sequenceFlow id="yes" sourceRef="Gw" targetRef="Next"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${cond}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="Gw" targetRef="End"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${notCond}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="Next" targetRef="End2" />
  </bpmn:process>
</bpmn:definitions>`;
}

async function machine(dialect: Dialect, xml: string): Promise<TokenMachine> {
  const file = path.join(tempDir('bra-tokens-'), 'p.bpmn');
  fs.writeFileSync(file, xml);
  let n = 100;
  return new TokenMachine(await readModel([file]), dialect, () => String(n++));
}

const at = (m: TokenMachine, id: string) => m.elements().find((e) => e.elementId === id)!;
const waiting = (m: TokenMachine) => m.elements().filter((e) => e.userTaskKey).map((e) => e.elementId);

describe('stand-in token machine, Camunda 8 rules (docs "Variables", "Exclusive gateways", "Multi-instance")', () => {
  it('every element instance is a scope: a local variable lives in its scope only and vanishes when the element completes', async () => {
    const m = await machine('zeebe', model('=ok', '=not(ok)'));
    const p = m.start('P', { businessKey: 'k' });
    const inner = at(m, 'Inner');
    assert.equal(inner.type, 'USER_TASK');
    assert.ok(inner.scope, 'a task is a scope on Camunda 8');
    m.setVariables(inner.key, { note: 'x' }, true);
    assert.equal(m.visible(inner.key).note, 'x');
    assert.equal(m.processVariables(p.key).note, undefined, 'not in the process instance');
    m.complete(inner.key, {});
    assert.equal(m.visible(at(m, 'Task').key).note, undefined, 'gone with the task');
  });

  it("a completion's variables propagate to the nearest scope that has the name, else to the process instance", async () => {
    const m = await machine('zeebe', model('=ok', '=not(ok)'));
    const p = m.start('P', { businessKey: 'k' });
    const sub = at(m, 'Sub');
    m.setVariables(sub.key, { ok: 'sub' }, true);
    m.complete(at(m, 'Inner').key, { ok: 'inner', other: 1 });
    assert.equal(m.processVariables(p.key).ok, undefined, 'ok went to the subprocess, which had it (and is gone now)');
    assert.equal(m.processVariables(p.key).other, 1, 'other had no scope: the process instance');
  });

  it("a condition reads its gateway's scopes; null (a missing variable) is an incident EXTRACT_VALUE_ERROR and the completion stands", async () => {
    const m = await machine('zeebe', model('=ok', '=not(ok)'));
    const p = m.start('P', { businessKey: 'k' });
    m.complete(at(m, 'Inner').key, {});
    const task = at(m, 'Task');
    m.setVariables(task.key, { ok: true }, true); // local to the task: the gateway after it cannot see it
    m.complete(task.key, {});
    const gw = at(m, 'Gw');
    assert.deepEqual(gw.incident, { errorType: 'EXTRACT_VALUE_ERROR', message: "Expected result of the expression 'ok' to be 'BOOLEAN', but was 'NULL'." });
    assert.equal(m.instance(p.key)!.state, 'ACTIVE');
    assert.deepEqual(waiting(m), [], 'the task is done, the token waits at the gateway');
  });

  it('the same with the variable sent with the completion: it reaches the process and the gateway takes the flow', async () => {
    const m = await machine('zeebe', model('=ok', '=not(ok)'));
    m.start('P', { businessKey: 'k' });
    m.complete(at(m, 'Inner').key, {});
    m.complete(at(m, 'Task').key, { ok: true });
    assert.deepEqual(waiting(m), ['Next']);
  });

  it('multi-instance: an inner instance per element of inputCollection, with loopCounter (from 1) and the element variable local to it', async () => {
    const mi = '<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=parts" inputElement="part" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>';
    const m = await machine('zeebe', model('=ok', '=not(ok)', mi));
    m.start('P', { businessKey: 'k', parts: ['a', 'b'] });
    const inners = m.elements().filter((e) => e.elementId === 'Sub' && e.type === 'SUB_PROCESS');
    assert.deepEqual(inners.map((e) => [e.vars.loopCounter, e.vars.part]), [[1, 'a'], [2, 'b']]);
    assert.equal(m.elements().filter((e) => e.type === 'MULTI_INSTANCE_BODY').length, 1);
    for (const t of m.elements().filter((e) => e.elementId === 'Inner')) m.complete(t.key, {});
    assert.deepEqual(waiting(m), ['Task'], 'the body completed after both');
  });
});

describe('stand-in token machine, Camunda 7 rules (user guide "Process Variables", "Transactions in Processes")', () => {
  it("a plain task runs in its parent's execution: its local variables are the subprocess's (or the process instance's)", async () => {
    const m = await machine('camunda7', model('${ok}', '${!ok}'));
    const p = m.start('P', {});
    const inner = at(m, 'Inner');
    assert.equal(inner.scope, false);
    assert.equal(m.scopeOf(inner).elementId, 'Sub', 'the subprocess is a scope execution');
    m.complete(inner.key, {});
    assert.equal(m.scopeOf(at(m, 'Task')).key, p.key, 'a task on the main path runs in the process instance');
  });

  it('a command the process cannot take fails and is rolled back whole: the task still waits, its variables unset', async () => {
    const m = await machine('camunda7', model('${ok}', '${!ok}'));
    const p = m.start('P', {});
    m.command(() => m.complete(at(m, 'Inner').key, {}));
    const task = at(m, 'Task');
    assert.throws(() => m.command(() => m.complete(task.key, { other: 1 })), (e: Error) => e instanceof CommandFailed && /Unknown property used in expression: \$\{ok\}/.test(e.message));
    assert.deepEqual(waiting(m), ['Task']);
    assert.equal(m.processVariables(p.key).other, undefined, 'rolled back');
    m.command(() => m.complete(task.key, { ok: false }));
    assert.equal(m.instance(p.key)!.state, 'COMPLETED');
  });
});
