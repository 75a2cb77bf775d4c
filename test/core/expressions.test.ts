import { strict as assert } from 'node:assert';
import { evaluateCondition, evaluateExpression, ExpressionError, ExecutionFacade } from '../../server/src/core/expressions';

const vars = {
  approved: false,
  decision: { accepted: true, premium: 99.5 },
  amount: 1200,
  name: 'Ada',
  list: [1, 2],
  environment: { variables: { x: 1 } },
  execution: new ExecutionFacade('42'),
};

describe('expressions: JUEL (Camunda 7 and forks) on jexl, FEEL (Camunda 8) on feelin', () => {
  it('JUEL conditions with operator words, symbols, member access and methods', () => {
    const cases: Array<[string, boolean]> = [
      ['${approved}', false],
      ['#{approved}', false],
      ['#{!approved}', true],
      ['${not approved}', true],
      ['${decision.accepted and amount gt 1000}', true],
      ['${decision.accepted && amount > 1000}', true],
      ['${amount ge 1200 and amount le 1200 and amount ne 3 and amount eq 1200}', true],
      ['${amount lt 5 or name == "Ada"}', true],
      ["${name == 'Ada'}", true],
      ['${empty list}', false],
      ['${not empty list}', true],
      ['${list.size() == 2}', true],
      ['${name.startsWith("A") && name.length() == 3}', true],
      ['${environment.variables.x == 1}', true],
      ['${execution.getVariable("approved") == false}', true],
      ['${execution.processBusinessKey == null}', true],
      ['${approved == "false"}', true],
      ['${amount mod 7 == 3 && amount div 2 == 600}', true],
      ['${S(decision).prop("accepted").boolValue()}', true],
      ['${amount > 1000 ? true : false}', true],
      ['\n   ${approved}\n  ', false],
    ];
    for (const [expr, expected] of cases) assert.equal(evaluateCondition(expr, vars), expected, expr);
  });

  it('FEEL conditions; a missing variable is null there, and a condition must be boolean', () => {
    assert.equal(evaluateCondition('=not(approved)', vars), true);
    assert.equal(evaluateCondition('= decision.accepted and amount > 1000', vars), true);
    assert.equal(evaluateCondition('=name = "Ada"', vars), true);
    assert.throws(() => evaluateCondition('=missing > 3', vars), /boolean.*null.*Variable 'missing' not found/);
    assert.throws(() => evaluateCondition('=amount +', vars), ExpressionError);
  });

  it('errors as the engines give them: unknown identifier, non-boolean, bad syntax, unsupported calls', () => {
    assert.throws(() => evaluateCondition('${unknownVar}', vars), /Cannot resolve identifier 'unknownVar'/);
    assert.throws(() => evaluateCondition('${amount}', vars), /not a boolean/);
    assert.throws(() => evaluateCondition('${approved ||}', vars), /ends too early/);
    assert.throws(() => evaluateCondition('${"unterminated}', vars), ExpressionError);
    assert.throws(() => evaluateCondition('approved', vars), /neither JUEL/);
    assert.throws(() => evaluateExpression('${name.toString.call()}', vars), /not supported/);
    assert.throws(() => evaluateExpression('${process.exit(1)}', vars), /Cannot resolve identifier 'process'/);
    assert.throws(() => evaluateExpression('${require("fs")}', vars), /function 'require' is not supported/);
    // No prototype is reachable: own properties only.
    assert.equal(evaluateExpression('${decision.constructor}', vars), undefined);
    assert.equal(evaluateExpression('${decision.__proto__}', vars), undefined);
  });

  it('text without an expression is itself; templates join their parts', () => {
    assert.equal(evaluateExpression('2', vars), '2');
    assert.equal(evaluateExpression('PT5M', vars), 'PT5M');
    assert.equal(evaluateExpression('Hello ${name}, ${amount / 2 + 1}!', vars), 'Hello Ada, 601!');
    assert.deepEqual(evaluateExpression('${decision}', vars), { accepted: true, premium: 99.5 });
  });
});
