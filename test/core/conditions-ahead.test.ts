import { strict as assert } from 'node:assert';
import { stuckAfter } from '../../server/src/core/bpmn/conditionsAhead';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { MissingVariables } from '../../server/src/core/expressions';

/** A task, then `between`, then an exclusive gateway with the given flows (id → condition; `default` marks the default). */
function model(flows: Record<string, string>, options: { def?: string; between?: string; inclusive?: boolean } = {}): string {
  const gw = options.inclusive ? 'inclusiveGateway' : 'exclusiveGateway';
  const out = Object.entries(flows)
    .map(([id, c]) => `<bpmn:sequenceFlow id="${id}" sourceRef="Gw" targetRef="End_${id}">${c ? `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${c}</bpmn:conditionExpression>` : ''}</bpmn:sequenceFlow><bpmn:endEvent id="End_${id}"/>`)
    .join('');
  const mid = options.between ? `<bpmn:serviceTask id="Mid"/><bpmn:sequenceFlow id="F0" sourceRef="Task" targetRef="Mid"/><bpmn:sequenceFlow id="F1" sourceRef="Mid" targetRef="Gw"/>` : `<bpmn:sequenceFlow id="F1" sourceRef="Task" targetRef="Gw"/>`;
  return `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D"><bpmn:process id="P" isExecutable="true">
<bpmn:userTask id="Task"/>${mid}<bpmn:${gw} id="Gw" name="accepted?"${options.def ? ` default="${options.def}"` : ''}/>${out}</bpmn:process></bpmn:definitions>`;
}

describe('conditions ahead of a completion (what Camunda 8 would turn into an incident)', () => {
  it('valid: a flow holds (FEEL and JUEL), or the default is there', () => {
    assert.equal(stuckAfter(readBpmn(model({ Yes: '=accepted', No: '=not(accepted)' })), 'Task', { accepted: false }), undefined);
    assert.equal(stuckAfter(readBpmn(model({ Yes: '${accepted}', No: '${!accepted}' })), 'Task', { accepted: true }), undefined);
    assert.equal(stuckAfter(readBpmn(model({ Yes: '=premium &gt; 100', Other: '' }, { def: 'Other' })), 'Task', { premium: 5 }), undefined);
    assert.equal(stuckAfter(readBpmn(model({ A: '=premium &gt; 100', B: '=premium &gt; 10' }, { inclusive: true })), 'Task', { premium: 50 }), undefined);
  });

  it('invalid: no flow holds, a condition gives null, an expression fails; each named at the gateway', () => {
    assert.deepEqual(stuckAfter(readBpmn(model({ High: '=premium &gt; 100', Low: '=premium &lt; 50' })), 'Task', { premium: 75 }), {
      elementId: 'Gw',
      message: 'no condition of its outgoing flows holds and it has no default flow',
    });
    const missing = stuckAfter(readBpmn(model({ Yes: '=decision.accepted' })), 'Task', {});
    assert.equal(missing?.elementId, 'Gw');
    assert.match(missing!.message, /sequence flow 'Yes' \(=decision\.accepted\) failed: expected a boolean/);
    const juel = stuckAfter(readBpmn(model({ Yes: '${premium > threshold}' })), 'Task', { premium: 1 });
    assert.match(juel!.message, /Cannot resolve identifier 'threshold'/);
    assert.equal(stuckAfter(readBpmn(model({ A: '=premium &gt; 100', B: '=premium &gt; 200' }, { inclusive: true })), 'Task', { premium: 5 })?.elementId, 'Gw');
  });

  it('partial: judged with only the variables a write sets when the conditions read nothing else; MissingVariables naming what they read besides', () => {
    const partial = { partial: true };
    // the paper's decision: the gateway reads only what the PUT of the decision writes (JUEL and FEEL)
    assert.equal(stuckAfter(readBpmn(model({ Yes: '${decision.accepted}', No: '${not decision.accepted}' })), 'Task', { decision: { accepted: false } }, partial), undefined);
    assert.equal(stuckAfter(readBpmn(model({ High: '=premium &gt; 100', Low: '=premium &lt; 50' })), 'Task', { premium: 75 }, partial)?.elementId, 'Gw', 'a refusal needs no more variables either');
    // an exclusive gateway stops at the first flow that holds: the second one's variables are not needed
    assert.equal(stuckAfter(readBpmn(model({ Yes: '=premium &gt; 100', No: '=premium &lt;= threshold' })), 'Task', { premium: 500 }, partial), undefined);
    const needs = (flows: Record<string, string>, vars: Record<string, unknown>) => {
      try {
        stuckAfter(readBpmn(model(flows)), 'Task', vars, partial);
      } catch (e) {
        if (e instanceof MissingVariables) return e.names.join(' ');
        throw e;
      }
      return 'nothing';
    };
    assert.equal(needs({ Yes: '${premium > threshold}' }, { premium: 1 }), 'threshold');
    assert.match(needs({ Yes: '=premium &gt; 100', No: '=premium &lt;= threshold' }, { premium: 5 }), /threshold/);
    // without `partial` an unknown variable is the expression's failure, as before
    assert.match(stuckAfter(readBpmn(model({ Yes: '${premium > threshold}' })), 'Task', { premium: 1 })!.message, /Cannot resolve identifier 'threshold'/);
  });

  it('stops where variables may change again: a gateway behind another element is not judged', () => {
    assert.equal(stuckAfter(readBpmn(model({ High: '=premium &gt; 100' }, { between: 'service' })), 'Task', { premium: 5 }), undefined);
  });
});
