/**
 * The token machine under both stand-ins: element instances in a tree, variables in scopes, tokens on
 * flows, as the engines document them. It is not the product's engine (nor bpmn-engine): the stand-ins
 * imitate Camunda on their own, so that a difference between our engine and Camunda's rules shows.
 *
 * What it follows (the tests in tokens.test.ts state each rule with the page it comes from):
 * - Camunda 8 docs, "Variables": every element instance is a scope (process, subprocess, multi-instance
 *   body and inner instance, task); a variable set `local` lives in that scope only and vanishes with it;
 *   a completion's (or a non-local set's) variables propagate up to the nearest scope that has the name,
 *   else to the process instance. Camunda 7 user guide, "Process Variables": the same propagation, but
 *   only scope executions hold variables (process instance, subprocess, multi-instance body and inner
 *   instances): a plain task runs in its parent's execution.
 * - Conditions are evaluated in the gateway's scope. Camunda 8: a condition that is not a boolean (a
 *   missing variable gives null) raises an incident at the gateway and the command that got there still
 *   succeeds. Camunda 7: the command fails and is rolled back whole.
 * - Tokens: an exclusive gateway takes the first flow whose condition holds, else its default; a parallel
 *   join waits for a token on every incoming flow; a scope completes when nothing is active in it.
 * - Multi-instance: loopCardinality or a collection; each inner instance gets `loopCounter` (1-based) and
 *   the element variable locally; the completion condition is read after each inner instance completes,
 *   with numberOfInstances/numberOfCompletedInstances/numberOfActiveInstances (Camunda 8) or
 *   nrOfInstances/nrOfCompletedInstances/nrOfActiveInstances (Camunda 7).
 * - Call activity: Camunda 8 passes all variables in and all of the child's out (propagateAll… defaults);
 *   Camunda 7 passes what camunda:in/out say.
 *
 * Deliberate leniencies, so the shared HTTP suites can run their Camunda 7 models through the Camunda 8
 * stand-in too: JUEL conditions (`${…}`) are evaluated (Zeebe refuses such a deployment), and camunda:in/out
 * mappings are applied on top of Zeebe's propagation. Service-like tasks pass through (no job workers).
 */
import { evaluate as feel } from 'feelin';
import { evaluateJuel } from '../../../server/src/core/expressions/juel';
import { passesThrough, type El, type Flow, type StandInModel } from './model';

export type Dialect = 'zeebe' | 'camunda7';

export interface ElementInstance {
  key: string;
  elementId: string;
  /** PROCESS, SUB_PROCESS, MULTI_INSTANCE_BODY, USER_TASK, CALL_ACTIVITY, RECEIVE_TASK, EXCLUSIVE_GATEWAY, … */
  type: string;
  processInstanceKey: string;
  parentKey?: string;
  /** only scopes hold variables */
  scope: boolean;
  vars: Record<string, unknown>;
  children: string[];
  /** a multi-instance body's state */
  mi?: { items: unknown[]; next: number; completed: number };
  /** an inner instance of a multi-instance body */
  inner?: boolean;
  /** a parallel join's tokens waiting in this scope: gateway id → flow id → count */
  joins?: Record<string, Record<string, number>>;
  userTaskKey?: string;
  subscription?: { messageName: string; correlationKey: string };
  incident?: { errorType: string; message: string };
  calledKey?: string;
  /** tokens are being moved in this scope: it cannot end yet */
  busy?: number;
  startDate: string;
}

export interface ProcessInstance {
  key: string;
  processId: string;
  businessKey?: string;
  parentKey?: string;
  /** the call activity's element instance in the parent */
  callKey?: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  startDate: string;
  endDate?: string;
  /** the root scope's variables once the instance ended */
  finalVars?: Record<string, unknown>;
}

interface State {
  instances: Record<string, ProcessInstance>;
  elements: Record<string, ElementInstance>;
}

/** A Camunda 7 command that cannot be taken: the engine rolls it back and answers with this message. */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly elementId: string,
  ) {
    super(message);
  }
}

const TYPES: Record<string, string> = {
  process: 'PROCESS', subProcess: 'SUB_PROCESS', userTask: 'USER_TASK', callActivity: 'CALL_ACTIVITY', receiveTask: 'RECEIVE_TASK', exclusiveGateway: 'EXCLUSIVE_GATEWAY',
  parallelGateway: 'PARALLEL_GATEWAY', startEvent: 'START_EVENT', endEvent: 'END_EVENT', intermediateCatchEvent: 'INTERMEDIATE_CATCH_EVENT', intermediateThrowEvent: 'INTERMEDIATE_THROW_EVENT',
  serviceTask: 'SERVICE_TASK', sendTask: 'SEND_TASK', scriptTask: 'SCRIPT_TASK', businessRuleTask: 'BUSINESS_RULE_TASK', manualTask: 'MANUAL_TASK', task: 'TASK',
};

/** Reads of the machine's state (the live one, or a copy a lagging search still sees). */
export class TokenView {
  constructor(protected state: State = { instances: {}, elements: {} }) {}

  instance(key: string): ProcessInstance | undefined {
    return this.state.instances[key];
  }

  instances(): ProcessInstance[] {
    return Object.values(this.state.instances);
  }

  element(key: string): ElementInstance | undefined {
    return this.state.elements[key];
  }

  /** Active element instances, in creation order. */
  elements(): ElementInstance[] {
    return Object.values(this.state.elements);
  }

  /** The root scope's variables of a process instance (as it ended, if it has). */
  processVariables(key: string): Record<string, unknown> {
    const p = this.state.instances[key];
    return p?.finalVars ?? this.state.elements[key]?.vars ?? {};
  }

  /** What an expression at this element instance sees: its scopes' variables, outermost first. */
  visible(key: string): Record<string, unknown> {
    const chain: ElementInstance[] = [];
    for (let e: ElementInstance | undefined = this.state.elements[key]; e; e = e.parentKey ? this.state.elements[e.parentKey] : undefined) chain.unshift(e);
    return Object.assign({}, ...chain.filter((e) => e.scope).map((e) => e.vars));
  }

  /** The scope that holds an element instance's variables: itself, or (Camunda 7) the execution it runs in. */
  scopeOf(ei: ElementInstance): ElementInstance {
    let e = ei;
    while (!e.scope) e = this.state.elements[e.parentKey!];
    return e;
  }

  /** A copy that later commands do not change. */
  frozen(): TokenView {
    return new TokenView(structuredClone(this.state));
  }
}

export class TokenMachine extends TokenView {
  private readonly byId = new Map<string, El>();

  constructor(
    readonly model: StandInModel,
    private readonly dialect: Dialect,
    private readonly newKey: () => string,
  ) {
    super();
    const walk = (el: El) => {
      this.byId.set(el.id, el);
      el.children.forEach(walk);
    };
    for (const p of model.processes.values()) walk(p);
  }

  /** Runs a command; on Camunda 7 a command that fails leaves nothing changed (one transaction). */
  command<T>(fn: () => T): T {
    if (this.dialect !== 'camunda7') return fn();
    const saved = structuredClone(this.state);
    try {
      return fn();
    } catch (e) {
      this.state = saved;
      throw e;
    }
  }

  start(processId: string, variables: Record<string, unknown>, o: { businessKey?: string; message?: string; call?: ElementInstance } = {}): ProcessInstance {
    const p = this.model.processes.get(processId);
    if (!p) throw new Error(`no process '${processId}'`);
    const key = this.newKey();
    const now = new Date().toISOString();
    const inst: ProcessInstance = { key, processId, state: 'ACTIVE', startDate: now, ...(o.businessKey !== undefined ? { businessKey: o.businessKey } : {}), ...(o.call ? { parentKey: o.call.processInstanceKey, callKey: o.call.key } : {}) };
    this.state.instances[key] = inst;
    const root: ElementInstance = { key, elementId: p.id, type: 'PROCESS', processInstanceKey: key, scope: true, vars: { ...variables }, children: [], startDate: now };
    this.state.elements[key] = root;
    const start = p.children.find((c) => c.type === 'startEvent' && (o.message ? c.startMessage === o.message : !c.startMessage));
    if (!start) throw new Error(`process '${processId}' has no ${o.message ? `start event for message '${o.message}'` : 'none start event'}`);
    this.activate(start, root);
    return inst;
  }

  /** Completes a user task or receive task with variables, which propagate from its scope. */
  complete(key: string, variables: Record<string, unknown>): void {
    const ei = this.state.elements[key];
    if (!ei) throw new Error(`no active element instance '${key}'`);
    this.propagate(ei, variables);
    this.leave(ei);
  }

  /** Sets variables: `local` in the element instance's scope, else propagated from it. */
  setVariables(key: string, variables: Record<string, unknown>, local: boolean): void {
    const ei = this.state.elements[key];
    if (!ei) throw new Error(`no active element instance '${key}'`);
    if (local) Object.assign(this.scopeOf(ei).vars, variables);
    else this.propagate(ei, variables);
  }

  /** Removes an ended instance (a history deletion). */
  forget(key: string): void {
    if (this.state.instances[key]?.state !== 'ACTIVE') delete this.state.instances[key];
  }

  deleteLocal(key: string, names: string[]): void {
    const ei = this.state.elements[key];
    if (ei) for (const n of names) delete this.scopeOf(ei).vars[n];
  }

  /** Cancels a process instance (and what it called). */
  cancel(key: string): void {
    const inst = this.state.instances[key];
    if (!inst || inst.state !== 'ACTIVE') return;
    this.terminate(this.state.elements[key]);
    this.end(inst, 'TERMINATED');
  }

  // --- how tokens move ---

  private activate(el: El, parent: ElementInstance): void {
    if (el.mi) return this.startBody(el, parent);
    this.run(el, this.enter(el, parent, el.type === 'subProcess' || this.dialect === 'zeebe'));
  }

  private enter(el: El, parent: ElementInstance, scope: boolean, type = TYPES[el.type] ?? el.type.toUpperCase()): ElementInstance {
    const ei: ElementInstance = { key: this.newKey(), elementId: el.id, type, processInstanceKey: parent.processInstanceKey, parentKey: parent.key, scope, vars: {}, children: [], startDate: new Date().toISOString() };
    this.state.elements[ei.key] = ei;
    parent.children.push(ei.key);
    return ei;
  }

  private run(el: El, ei: ElementInstance): void {
    if (el.type === 'userTask') ei.userTaskKey = this.newKey();
    else if (el.messageName) ei.subscription = { messageName: el.messageName, correlationKey: String(this.visible(ei.key).businessKey ?? '') };
    else if (el.type === 'subProcess') {
      const start = el.children.find((c) => c.type === 'startEvent');
      if (!start) throw new Error(`subprocess ${el.id} has no start event`);
      this.activate(start, ei);
    } else if (el.type === 'callActivity') this.call(el, ei);
    else if (el.type === 'exclusiveGateway') this.decide(el, ei);
    else if (el.type === 'startEvent' || el.type === 'endEvent' || passesThrough(el)) this.leave(ei);
    else throw new Error(`the stand-in cannot run ${el.type} ${el.id}`);
  }

  /** An element instance is done: it goes, and its token moves on (all outgoing flows, or the chosen one). */
  private leave(ei: ElementInstance, flows?: Flow[]): void {
    const el = this.byId.get(ei.elementId)!;
    const parent = this.remove(ei);
    if (ei.inner) return this.innerDone(el, parent, ei);
    parent.busy = (parent.busy ?? 0) + 1;
    try {
      for (const f of flows ?? el.outgoing) this.take(f, parent);
    } finally {
      parent.busy -= 1;
    }
    this.scopeMayEnd(parent);
  }

  private take(flow: Flow, scope: ElementInstance): void {
    const target = flow.target;
    if (target.type === 'parallelGateway' && target.incoming.length > 1) {
      const joins = (scope.joins ??= {});
      const at = (joins[target.id] ??= {});
      at[flow.id] = (at[flow.id] ?? 0) + 1;
      if (!target.incoming.every((f) => at[f.id] > 0)) return; // waits for the other flows
      for (const f of target.incoming) at[f.id] -= 1;
    }
    if (target.type === 'parallelGateway') {
      for (const f of target.outgoing) this.take(f, scope);
      return;
    }
    this.activate(target, scope);
  }

  private scopeMayEnd(scope: ElementInstance | undefined): void {
    if (!scope || scope.children.length || scope.busy || !this.state.elements[scope.key]) return;
    if (Object.values(scope.joins ?? {}).some((at) => Object.values(at).some((n) => n > 0))) return; // tokens wait at a join
    if (scope.type === 'PROCESS') return this.processDone(scope);
    if (scope.type === 'MULTI_INSTANCE_BODY') return;
    this.leave(scope);
  }

  private remove(ei: ElementInstance): ElementInstance {
    delete this.state.elements[ei.key];
    const parent = this.state.elements[ei.parentKey!];
    parent.children = parent.children.filter((k) => k !== ei.key);
    return parent;
  }

  private terminate(ei: ElementInstance): void {
    for (const k of [...ei.children]) this.terminate(this.state.elements[k]);
    if (ei.calledKey) this.cancel(ei.calledKey);
    if (ei.type !== 'PROCESS') this.remove(ei);
  }

  private processDone(root: ElementInstance): void {
    const inst = this.state.instances[root.key];
    this.end(inst, 'COMPLETED');
    if (!inst.callKey) return;
    const call = this.state.elements[inst.callKey];
    if (!call) return;
    call.calledKey = undefined;
    const el = this.byId.get(call.elementId)!;
    this.propagate(call, this.passed(el.outputs, root.vars, this.dialect === 'zeebe'));
    this.leave(call);
  }

  private end(inst: ProcessInstance, state: 'COMPLETED' | 'TERMINATED'): void {
    const root = this.state.elements[inst.key];
    inst.state = state;
    inst.endDate = new Date().toISOString();
    inst.finalVars = root?.vars ?? {};
    delete this.state.elements[inst.key];
  }

  private call(el: El, ei: ElementInstance): void {
    if (!el.calledElement) throw new Error(`call activity ${el.id} names no process`);
    const vars = this.visible(ei.key);
    const bk = el.inputs.find((m) => m.businessKey);
    const parent = this.state.instances[ei.processInstanceKey];
    const child = this.start(el.calledElement, this.passed(el.inputs, vars, this.dialect === 'zeebe'), { call: ei, ...(bk ? { businessKey: parent.businessKey } : {}) });
    if (child.state === 'ACTIVE') ei.calledKey = child.key;
  }

  /** Variables a call passes: all (Camunda 8's default, or `variables="all"`) and what the mappings name. */
  private passed(mappings: El['inputs'], from: Record<string, unknown>, all: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = all || mappings.some((m) => m.all) ? { ...from } : {};
    for (const m of mappings) if (m.source && m.target && m.source in from) out[m.target] = from[m.source];
    return out;
  }

  // --- gateways and conditions ---

  private decide(el: El, ei: ElementInstance): void {
    if (el.outgoing.length === 1 && !el.outgoing[0].condition) return this.leave(ei, el.outgoing);
    const vars = this.visible(ei.key);
    for (const f of el.outgoing) {
      if (!f.condition || f.id === el.defaultFlow) continue;
      const r = this.condition(f.condition, vars);
      if (typeof r === 'string') return this.fail(ei, 'EXTRACT_VALUE_ERROR', r);
      if (r) return this.leave(ei, [f]);
    }
    const fallback = el.outgoing.find((f) => f.id === el.defaultFlow);
    if (fallback) return this.leave(ei, [fallback]);
    this.fail(ei, 'CONDITION_ERROR', this.dialect === 'zeebe'
      ? `Expected at least one condition to evaluate to true, or to have a default flow`
      : `ENGINE-02004 No outgoing sequence flow for the element with id '${el.id}' could be selected for continuing the process.`);
  }

  /** The condition's value, or the engine's message why it has none. */
  private condition(text: string, vars: Record<string, unknown>): boolean | string {
    try {
      if (text.startsWith('=')) {
        const { value } = feel(text.slice(1), vars);
        return typeof value === 'boolean' ? value : `Expected result of the expression '${text.slice(1)}' to be 'BOOLEAN', but was '${value === null || value === undefined ? 'NULL' : typeof value === 'number' ? 'NUMBER' : typeof value === 'string' ? 'STRING' : 'CONTEXT'}'.`;
      }
      const v = this.expression(text, vars);
      return typeof v === 'boolean' ? v : `condition expression returns non-Boolean: ${String(v)}`;
    } catch (e) {
      // Camunda 7 names the expression: "Unknown property used in expression: ${…}. Cause: …"
      return this.dialect === 'camunda7' ? `Unknown property used in expression: ${text}. Cause: ${(e as Error).message}` : (e as Error).message;
    }
  }

  private expression(text: string, vars: Record<string, unknown>): unknown {
    if (text.startsWith('=')) return feel(text.slice(1), vars).value;
    const m = /^[$#]\{([\s\S]*)\}$/.exec(text);
    if (m) return evaluateJuel(m[1], vars);
    return /^\d+$/.test(text) ? Number(text) : text;
  }

  /** Camunda 8 raises an incident and keeps the token there; Camunda 7 fails the command (rolled back). */
  private fail(ei: ElementInstance, errorType: string, message: string): void {
    if (this.dialect === 'camunda7') throw new CommandFailed(message, ei.elementId);
    ei.incident = { errorType, message };
  }

  // --- multi-instance ---

  private startBody(el: El, parent: ElementInstance): void {
    const body = this.enter(el, parent, true, 'MULTI_INSTANCE_BODY');
    const vars = this.visible(body.key);
    const mi = el.mi!;
    let items: unknown[];
    if (mi.collection) {
      const c = this.expression(mi.collection, vars);
      if (!Array.isArray(c)) return this.fail(body, 'EXTRACT_VALUE_ERROR', `Expected result of the expression '${mi.collection}' to be 'ARRAY', but was '${c === null || c === undefined ? 'NULL' : typeof c}'.`);
      items = c;
    } else items = Array.from({ length: Number(this.expression(mi.cardinality ?? '0', vars)) }, () => undefined);
    body.mi = { items, next: 0, completed: 0 };
    const first = mi.sequential ? Math.min(1, items.length) : items.length;
    body.busy = 1;
    for (let i = 0; i < first && this.state.elements[body.key]; i++) this.nextInner(el, body);
    body.busy = 0;
    if (this.state.elements[body.key] && !body.children.length) this.leave(body);
  }

  private nextInner(el: El, body: ElementInstance): void {
    const i = body.mi!.next++;
    const ei = this.enter(el, body, true);
    ei.inner = true;
    ei.vars.loopCounter = i + (this.dialect === 'zeebe' ? 1 : 0);
    if (el.mi!.elementVariable) ei.vars[el.mi!.elementVariable] = body.mi!.items[i];
    this.run(el, ei);
  }

  private innerDone(el: El, body: ElementInstance, inner: ElementInstance): void {
    const mi = body.mi!;
    mi.completed++;
    const total = mi.items.length;
    const active = body.children.length;
    const counts = this.dialect === 'zeebe'
      ? { numberOfInstances: total, numberOfCompletedInstances: mi.completed, numberOfActiveInstances: active }
      : { nrOfInstances: total, nrOfCompletedInstances: mi.completed, nrOfActiveInstances: active };
    let done = false;
    if (el.mi!.completionCondition) {
      const r = this.condition(el.mi!.completionCondition, { ...this.visible(body.key), ...inner.vars, ...counts });
      if (typeof r === 'string') return this.fail(body, 'EXTRACT_VALUE_ERROR', r);
      done = r;
    }
    if (!done && mi.next < total && el.mi!.sequential) return this.nextInner(el, body);
    if (!done && (active || body.busy)) return;
    for (const k of [...body.children]) this.terminate(this.state.elements[k]);
    this.leave(body);
  }

  // --- variables ---

  /** Each variable goes to the nearest scope (from `from` up) that has it, else to the process instance. */
  private propagate(from: ElementInstance, variables: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(variables)) {
      let target: ElementInstance | undefined;
      let root = from;
      for (let e: ElementInstance | undefined = from; e; e = e.parentKey ? this.state.elements[e.parentKey] : undefined) {
        if (e.scope && name in e.vars && !target) target = e;
        root = e;
      }
      (target ?? root).vars[name] = value;
    }
  }
}
