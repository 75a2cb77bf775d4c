import { strict as assert } from 'node:assert';
import { analyze } from '../../server/src/core/analysis';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { diagnosticsOf } from '../../server/src/core/check';
import { parseRuleLevels } from '../../server/src/core/ruleLevels';
import { BPMN_RULES } from '../../server/src/core/rules';
import type { BpmnRule } from '../../server/src/core/rules/types';
import { readUml } from '../../server/src/core/uml/reader';
import { bpmnFile, link, paperModel } from '../helpers';

// A linked task in a process that is not linked: `process-not-linked` (warning by default).
const TEXT = bpmnFile(`<bpmn:userTask id="t" name="decide">${link('Decision')}</bpmn:userTask>`);

describe('rule levels from bpmn-resource-api.json, and a rule that throws', () => {
  const model = readUml(paperModel());
  const codes = (levels?: ReturnType<typeof parseRuleLevels>['levels']) => diagnosticsOf(analyze(readBpmn(TEXT), model, { ruleLevels: levels })).map((d) => `${d.code}:${d.severity}`);

  it('valid: off drops a rule, error/warn/info (and bpmnlint numbers) set its severity', () => {
    assert.deepEqual(codes(), ['process-not-linked:warning']);
    assert.deepEqual(codes(parseRuleLevels({ 'process-not-linked': 'off' }).levels), []);
    assert.deepEqual(codes(parseRuleLevels({ 'process-not-linked': 'error' }).levels), ['process-not-linked:error']);
    assert.deepEqual(codes(parseRuleLevels({ 'process-not-linked': 2 }).levels), ['process-not-linked:error']);
    assert.deepEqual(codes(parseRuleLevels({ 'process-not-linked': 'info' }).levels), ['process-not-linked:information']);
    assert.deepEqual(codes(parseRuleLevels({ 'process-not-linked': 0 }).levels), []);
  });

  it('invalid: an unknown rule or level is named, and changes nothing', () => {
    const { levels, problems } = parseRuleLevels({ 'no-such-rule': 'off', 'process-not-linked': 'loud' });
    assert.equal(levels.size, 0);
    assert.deepEqual(problems, [`"rules": no rule 'no-such-rule'`, `"rules": 'process-not-linked' cannot be "loud" (off, info, warn, error)`]);
    assert.deepEqual(parseRuleLevels(['x']).problems, ['"rules" must be an object such as {"single-in-loop": "off"}']);
  });

  it('a rule that throws is reported as that rule\'s failure (rule-error) and the other rules still run', () => {
    const broken: BpmnRule = {
      code: 'unknown-resource',
      check() {
        throw new Error('boom');
      },
    };
    const diags = diagnosticsOf(analyze(readBpmn(TEXT), model), [broken, ...BPMN_RULES.filter((r) => r.code !== 'unknown-resource')]);
    assert.deepEqual(diags.map((d) => d.code).sort(), ['process-not-linked', 'rule-error']);
    assert.equal(diags.find((d) => d.code === 'rule-error')!.message, "rule 'unknown-resource' failed: boom");
  });
});
