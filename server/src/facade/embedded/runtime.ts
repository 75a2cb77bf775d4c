/**
 * One instance's bpmn-engine with our hooks: process data reaches the engine through them.
 *
 * bpmn-engine evaluates every expression, loop and timer value through `expressions`, every
 * sequence-flow condition through `scripts`, keeps time through `timers`, and calls `extensions` when
 * an activity starts. We give it:
 * - expressions and conditions evaluated in the model's notation (JUEL or FEEL, core/expressions)
 *   against the instance's variables, which live in the instance record (written with it, atomically);
 * - variables local to a subprocess iteration kept in that iteration's own bpmn-engine environment
 *   (bpmn-engine clones one per iteration and saves it with the engine state);
 * - timers that the adapter's scheduler fires, so they fire whether the engine is in memory or not;
 * - call-activity in/out mappings, and a log line for each service-like task that passes through.
 */
import * as vm from 'node:vm';
import type { CallMappings, VariableMapping } from '../../core/bpmn/execution';
import { evaluateCondition, evaluateExpression, ExecutionFacade, isJavaArray, notationOf, type Variables } from '../../core/expressions';
import { InclusiveGateway } from './inclusiveJoin';
import { ParallelGateway } from './parallelJoin';
import { NegatedCondition, StandardLoopCharacteristics } from './standardLoop';
import { interruptionBehaviours } from './interruptions';
import type { Interruption } from '../../core/bpmn/interruptedThrows';

/** Process data of an instance, stored in its record. */
export interface InstanceVariables {
  /** process-level variables of the served instance */
  variables: Variables;
  /** variables local to one iteration of a multi-instance or loop activity, by the iteration's execution id */
  locals: Record<string, Variables>;
  /** process-level variables of each called instance, by the execution id of the call activity that started it */
  calls: Record<string, Variables>;
}

/** Key, in a bpmn-engine environment's variables, of the variables local to that subprocess iteration. */
const LOCAL_KEY = '__braLocal';

export interface TimerRef {
  timerId: string;
  callback: (...args: unknown[]) => void;
  args: unknown[];
  dueAt: number;
  elementId: string | undefined;
  executionId: string | undefined;
}

export interface RuntimeHost {
  businessKey: string;
  implementation: ReadonlyMap<string, string>;
  /** parallel gateways: BPMN ignores the conditions of their outgoing flows (bpmn-elements evaluates them) */
  parallelGateways: ReadonlySet<string>;
  /** bpmn-engine's element types for the served models (elementBehaviours), shared by every instance */
  elements: Readonly<Record<string, unknown>>;
  callMappings: ReadonlyMap<string, CallMappings>;
  resultVariable: ReadonlyMap<string, string>;
  elementVariable: ReadonlyMap<string, string>;
  /** `camunda:collection` expressions by activity id */
  collection: ReadonlyMap<string, string>;
  elementName(id: string): string | undefined;
  log(line: string): void;
  /** run JavaScript script conditions and script tasks (`--allow-scripts`) */
  allowScripts?: boolean;
}

/**
 * Element behaviours that replace bpmn-elements' own where it differs from BPMN and Camunda. The serialized
 * model carries the type each element resolves to, so the engine that serializes it needs them too.
 */
export function elementBehaviours(interruptedThrows: ReadonlyMap<string, Interruption>, eventSubprocesses: ReadonlySet<string>): Record<string, unknown> {
  return { StandardLoopCharacteristics, InclusiveGateway, ParallelGateway, ...interruptionBehaviours(interruptedThrows, eventSubprocesses) };
}

const JS = /^(javascript|js|ecmascript)$/i;
const SCRIPT_TIMEOUT_MS = 1000;
/**
 * How long one operation (a start, a write, due timers) may run the engine before it reaches a wait state:
 * a loop with no end runs synchronously in bpmn-engine and would hold the whole server. Every hook the
 * engine calls on its way (each activity, expression, condition, pass) checks it.
 */
export const STEP_BUDGET_MS = 1000;
/** passes of one looped activity logged per operation: enough to count, not a flood from a long loop */
const PASSES_LOGGED = 100;

/** Why the last operation failed, as far as our hooks saw it (the engine's own error says less). */
export interface Failure {
  elementId: string;
  message: string;
}

interface EngineEnvironment {
  variables: Record<string, unknown>;
  settings: Record<string, unknown>;
  output?: Record<string, unknown>;
}

/** bpmn-elements' context of an activity: owned by its process, or by the subprocess it is in. */
interface EngineContext {
  owner?: { executionId?: string; environment?: object };
}

interface ActivityContent {
  [k: string]: unknown;
  executionId: string;
  parent?: { id?: string; executionId?: string; path?: Array<{ id?: string; executionId?: string }> };
}

interface ExpressionContext {
  environment?: EngineEnvironment;
  content?: { id?: string; executionId?: string; [k: string]: unknown };
  properties?: unknown;
  fields?: unknown;
}

interface EngineActivity {
  id: string;
  type: string;
  name?: string;
  environment: EngineEnvironment;
  behaviour: { conditionExpression?: { body?: string; language?: string }; scriptFormat?: string; script?: string };
  sourceId?: string;
  broker: {
    subscribeTmp(exchange: string, pattern: string, fn: (routingKey: string, message: { properties: { type?: string } }) => void, options: Record<string, unknown>): void;
    cancel(tag: string): void;
    publish(exchange: string, routingKey: string, content: unknown, properties: Record<string, unknown>): void;
  };
}

/** What escalationsToCaller uses of the process a call activity runs in (bpmn-elements' Process). */
interface CallerProcess {
  getActivities?(): Array<{ attachedTo?: { id: string } | null; broker: EngineActivity['broker'] }>;
}

const QUIET = { debug: () => undefined, error: () => undefined, warn: () => undefined };
const QUIET_LOGGER = () => QUIET;

const BUILTINS = new Set(['execution', 'environment', 'content', 'properties']);

export class InstanceRuntime {
  /** the record being worked on: set by the adapter before each operation */
  current: InstanceVariables;
  failure: Failure | undefined;
  /** called processes whose escalations are handed to their caller (escalationsToCaller) */
  private readonly hooked = new WeakSet<object>();
  /** call activity execution id → the process it runs in and its id (escalationsToCaller) */
  private readonly callers = new Map<string, { owner: CallerProcess | undefined; activityId: string }>();
  /** when the current operation began to run the engine (beginStep) */
  private stepStartedAt = 0;
  /** passes logged per activity in the current operation (a loop's log is capped at PASSES_LOGGED) */
  private readonly passes = new Map<string, number>();
  readonly timers = new Map<string, TimerRef>();
  private timerCount = 0;
  /**
   * The environment of each called instance, to the execution id of the call activity that started
   * it: the called process's expressions read that instance's variables. (bpmn-engine clones one
   * environment per called process but does not say, in a flow condition's context, which call it is.)
   */
  private readonly calledEnvironments = new WeakMap<object, string>();

  constructor(
    private readonly host: RuntimeHost,
    vars: InstanceVariables,
  ) {
    this.current = vars;
  }

  /** An operation begins to run the engine: its budget starts now. */
  beginStep(): void {
    this.stepStartedAt = performance.now();
    this.passes.clear();
  }

  /** The operation has stopped running the engine: nothing is timed until the next one begins. */
  endStep(): void {
    this.stepStartedAt = 0;
  }

  /** Stops the operation (as a failure at `elementId`) once it has run the engine longer than its budget. */
  private checkBudget(elementId: string | undefined): void {
    if (!this.stepStartedAt || performance.now() - this.stepStartedAt <= STEP_BUDGET_MS) return;
    this.stepStartedAt = 0; // one failure: the hooks the engine calls while it unwinds pass
    const message = `the process ran for more than ${STEP_BUDGET_MS / 1000} s without reaching a wait state (a loop that never ends?), so it was stopped`;
    this.failure = { elementId: elementId ?? '', message };
    throw new Error(message);
  }

  /** The options bpmn-engine is built with for this instance. */
  engineOptions(): Record<string, unknown> {
    return {
      expressions: {
        resolveExpression: (text: unknown, ctx: ExpressionContext) => this.resolve(text, ctx),
        isExpression: (text: unknown) => typeof text === 'string' && notationOf(text) !== 'text',
        hasExpression: (text: unknown) => typeof text === 'string' && notationOf(text) !== 'text',
      },
      scripts: {
        register: () => undefined,
        getScript: (_language: string, activity: EngineActivity) => this.script(activity),
      },
      timers: this.timerApi(),
      extensions: { bpmnResourceApi: (activity: EngineActivity, context: EngineContext) => this.extension(activity, context) },
      elements: this.host.elements,
      settings: { enableDummyService: true },
      // bpmn-engine's default logger makes a `debug` instance per element and engine (a TTY check each);
      // we log what users need ourselves.
      Logger: QUIET_LOGGER,
    };
  }

  /** The variables an expression sees at `ctx`: its scope's, the business key, and `execution`/`environment` as the engines offer them. */
  scopeVariables(ctx: ExpressionContext | undefined): Variables {
    const env = ctx?.environment;
    const calledFrom = this.calledFrom(env);
    const vars: Variables = Object.create(null);
    Object.assign(vars, calledFrom ? (this.current.calls[calledFrom] ?? {}) : this.current.variables);
    const local = env?.variables?.[LOCAL_KEY];
    if (local && typeof local === 'object') Object.assign(vars, local);
    const exec = ctx?.content?.executionId;
    if (exec && this.current.locals[exec]) Object.assign(vars, this.current.locals[exec]);
    if (ctx?.content?.isMultiInstance) this.iterationVariables(ctx.content, vars);
    if (!('businessKey' in vars)) vars.businessKey = this.host.businessKey;
    const data = { ...vars };
    if (!('execution' in vars)) vars.execution = new ExecutionFacade(this.host.businessKey);
    if (!('environment' in vars)) {
      const own = { ...(env?.variables ?? {}) };
      delete own[LOCAL_KEY];
      vars.environment = { variables: { ...own, ...data }, settings: env?.settings ?? {}, output: env?.output ?? {}, services: {} };
    }
    if (!('content' in vars) && ctx?.content) vars.content = ctx.content;
    if (!('properties' in vars) && ctx?.properties) vars.properties = ctx.properties;
    return vars;
  }

  /**
   * What Camunda gives a multi-instance iteration: the element variable, `loopCounter`, and
   * `nrOfInstances`/`nrOfCompletedInstances`/`nrOfActiveInstances` (completion conditions read them).
   * bpmn-elements keeps them in the iteration's message: index, cardinality, the outputs so far.
   */
  private iterationVariables(c: NonNullable<ExpressionContext['content']>, vars: Variables): void {
    const el = c.id ? this.host.elementVariable.get(c.id) : undefined;
    if (el && el in c && !(el in vars)) vars[el] = c[el];
    if (typeof c.index === 'number') vars.loopCounter = c.index;
    if (typeof c.loopCardinality === 'number') vars.nrOfInstances = c.loopCardinality;
    if (Array.isArray(c.loopOutput)) {
      const done = c.loopOutput.filter((x) => x !== undefined && x !== null).length;
      vars.nrOfCompletedInstances = done;
      if (typeof c.loopCardinality === 'number') vars.nrOfActiveInstances = c.loopCardinality - done;
    }
  }

  private resolve(text: unknown, ctx: ExpressionContext): unknown {
    this.checkBudget(ctx?.content?.id);
    if (text instanceof NegatedCondition) return !this.resolve(text.body, ctx);
    if (typeof text !== 'string' || notationOf(text) === 'text') return text;
    try {
      const value = evaluateExpression(text, this.scopeVariables(ctx));
      // Camunda 7 iterates only a java.util.Collection: the array of a JUEL String.split is refused (ENGINE-02024).
      if (isJavaArray(value) && ctx?.content?.id && this.host.collection.get(ctx.content.id) === text) {
        throw new Error(`the collection is a Java array (String.split), not a java.util.Collection, which Camunda 7 refuses (ENGINE-02024); give it a list, such as a list attribute of the process data`);
      }
      return value;
    } catch (e) {
      this.failure = { elementId: ctx?.content?.id ?? '', message: `${text.trim()}: ${(e as Error).message}` };
      throw e;
    }
  }

  private script(activity: EngineActivity): { execute(scope: ExpressionContext, cb: (err: Error | null, result?: unknown) => void): void } | undefined {
    if (activity.type === 'bpmn:SequenceFlow') {
      const ce = activity.behaviour.conditionExpression;
      if (!ce) return undefined;
      if (activity.sourceId && this.host.parallelGateways.has(activity.sourceId)) return { execute: (_scope, cb) => cb(null, true) };
      const body = ce.body ?? '';
      const source = activity.sourceId ?? activity.id;
      return {
        execute: (scope, cb) => {
          const script = ce.language && !/^(juel|feel|expression)$/i.test(ce.language);
          if (script && !(this.host.allowScripts && JS.test(ce.language!))) {
            const why = this.host.allowScripts ? `${ce.language} scripts cannot run here (JavaScript only)` : 'scripts run only with --allow-scripts';
            const err = new Error(`a ${ce.language} script condition is not run: ${why}`);
            this.failure = { elementId: source, message: `flow ${activity.id}: ${err.message}` };
            return cb(err);
          }
          try {
            if (script) {
              const value = this.runScript(body, scope);
              if (typeof value !== 'boolean') throw new Error(`the script condition gave ${JSON.stringify(value) ?? 'undefined'}, not a boolean`);
              return cb(null, value);
            }
            cb(null, evaluateCondition(body, this.scopeVariables(scope)));
          } catch (e) {
            this.failure = { elementId: source, message: `condition of flow ${activity.id} (${body.trim()}): ${(e as Error).message}` };
            cb(e as Error);
          }
        },
      };
    }
    // A script task: run with --allow-scripts when it is JavaScript; else it completes, as service tasks do.
    const format = activity.behaviour.scriptFormat ?? '';
    const code = activity.behaviour.script;
    if (this.host.allowScripts && JS.test(format) && code) {
      const resultVariable = this.host.resultVariable.get(activity.id);
      return {
        execute: (scope, cb) => {
          try {
            const result = this.runScript(code, scope);
            if (resultVariable) this.setScopeVariables(scope, { [resultVariable]: result });
            const index = scope.content?.isMultiInstance ? scope.content.index : undefined;
            this.host.log(`${this.label(activity.id)} ran its script${typeof index === 'number' ? ` [pass ${index + 1}]` : ''}`);
            cb(null);
          } catch (e) {
            this.failure = { elementId: activity.id, message: `script: ${(e as Error).message}` };
            cb(e as Error);
          }
        },
      };
    }
    return {
      execute: (_scope, cb) => {
        this.host.log(`${this.label(activity.id)} passes through (would run ${this.host.implementation.get(activity.id) ?? 'a script'})`);
        cb(null);
      },
    };
  }

  /**
   * Runs a JavaScript script of the model (only with --allow-scripts: node:vm keeps the script away
   * from this module's scope and stops it after a second, but it is no security boundary, which is why
   * scripts are off unless the user says so). Two dialects:
   * - Camunda's: variables are globals, `execution.getVariable/setVariable` reads and writes, the script's
   *   last value is its result;
   * - bpmn-engine's own (its models, e.g. its mother-of-all): `environment.variables` (also `variables`,
   *   `this.variables`) read and written, `content` the message, and `next(err, result)` completes with the
   *   result. Only a synchronous `next` is waited for: a script that would call it later gets its last value.
   */
  private runScript(code: string, scope: ExpressionContext): unknown {
    const vars = this.scopeVariables(scope);
    const writes: Variables = {};
    const sandbox: Record<string, unknown> = { ...vars };
    sandbox.execution = {
      getVariable: (n: string) => (n in writes ? writes[n] : (vars[n] ?? null)),
      hasVariable: (n: string) => n in writes || n in vars,
      setVariable: (n: string, v: unknown) => {
        writes[n] = v;
      },
      getBusinessKey: () => this.host.businessKey,
      getProcessBusinessKey: () => this.host.businessKey,
    };
    const engineVariables: Record<string, unknown> = { ...vars };
    sandbox.environment = { variables: engineVariables, services: {} };
    sandbox.variables ??= engineVariables;
    sandbox.content = scope?.content;
    let completion: { err?: unknown; result?: unknown } | undefined;
    sandbox.next = (err?: unknown, result?: unknown) => {
      completion ??= { err, result };
    };
    const value = vm.runInNewContext(code, sandbox, { timeout: SCRIPT_TIMEOUT_MS, filename: 'model-script.js' });
    for (const [k, v] of Object.entries(engineVariables)) if (vars[k] !== v && !(k in writes)) writes[k] = v;
    if (Object.keys(writes).length) this.setScopeVariables(scope, writes);
    if (completion?.err) throw completion.err instanceof Error ? completion.err : new Error(String(completion.err));
    return completion ? completion.result : value;
  }

  private label(id: string): string {
    const name = this.host.elementName(id);
    return `[${this.host.businessKey}] ${id}${name ? ` '${name}'` : ''}`;
  }

  private timerApi() {
    const set = (owner: { id?: string; executionId?: string } | undefined, callback: TimerRef['callback'], delay: number, args: unknown[]): TimerRef => {
      const ref: TimerRef = { timerId: `timer_${this.timerCount++}`, callback, args, dueAt: Date.now() + Math.max(0, delay), elementId: owner?.id, executionId: owner?.executionId };
      this.timers.set(ref.timerId, ref);
      return ref;
    };
    const clear = (ref: TimerRef | undefined) => {
      if (ref && typeof ref === 'object') this.timers.delete(ref.timerId);
      return undefined;
    };
    const timers = this.timers;
    return {
      get executing() {
        return [...timers.values()];
      },
      register: (owner: { id?: string; executionId?: string }) => ({
        setTimeout: (cb: TimerRef['callback'], delay: number, ...args: unknown[]) => set(owner, cb, delay, args),
        clearTimeout: clear,
      }),
      setTimeout: (cb: TimerRef['callback'], delay: number, ...args: unknown[]) => set(undefined, cb, delay, args),
      clearTimeout: clear,
    };
  }

  /** Fires the timers due by `now` (the scheduler calls this under the instance's lock). */
  fireDue(now: number): number {
    let fired = 0;
    for (const ref of [...this.timers.values()].sort((a, b) => a.dueAt - b.dueAt)) {
      if (ref.dueAt > now || !this.timers.has(ref.timerId)) continue;
      this.timers.delete(ref.timerId);
      ref.callback(...ref.args);
      fired++;
    }
    return fired;
  }

  /** The call activity execution whose called instance `env` belongs to, if any. */
  calledFrom(env: object | undefined): string | undefined {
    return env ? this.calledEnvironments.get(env) : undefined;
  }

  /**
   * Notes which called instance an activity's environment belongs to: its context's owner is the
   * called process (whose execution id ends with the call activity's) or a subprocess inside it.
   */
  private noteCalledEnvironment(activity: EngineActivity, context: EngineContext): void {
    if (this.calledEnvironments.has(activity.environment)) return;
    const owner = context?.owner;
    if (!owner) return;
    const inherited = owner.environment ? this.calledEnvironments.get(owner.environment) : undefined;
    const k = inherited ?? this.callRunning(owner.executionId);
    if (k) this.calledEnvironments.set(activity.environment, k);
  }

  /** The call activity execution whose called process runs as `processExecutionId` (it ends with the call's id). */
  private callRunning(processExecutionId: string | undefined): string | undefined {
    return processExecutionId ? Object.keys(this.current.calls).find((c) => processExecutionId.endsWith(`_${c}`)) : undefined;
  }

  private extension(activity: EngineActivity, context: EngineContext): { activate(msg: { content: ActivityContent; fields?: { routingKey?: string } }): void; deactivate(): void } | undefined {
    if (activity.type === 'bpmn:Process') return undefined;
    const impl = this.host.implementation.get(activity.id);
    const call = activity.type === 'bpmn:CallActivity' ? this.host.callMappings.get(activity.id) : undefined;
    let tag: string | undefined;
    return {
      activate: (msg) => {
        this.checkBudget(activity.id);
        this.noteCalledEnvironment(activity, context);
        this.escalationsToCaller(context);
        // bpmn-elements activates extensions of discarded activities too (the branch not taken).
        if (msg.fields?.routingKey === 'run.discard') return;
        if (!call && !(impl && activity.type !== 'bpmn:ScriptTask')) return;
        if (impl && !call) {
          tag = `_bra-pass-${activity.id}`;
          this.logPasses(activity, tag, `passes through (would call ${impl})`);
          return;
        }
        const executionId = msg.content.executionId;
        if (!(executionId in this.current.calls)) this.current.calls[executionId] = this.callInputs(activity, msg.content, call!);
        this.callers.set(executionId, { owner: context?.owner as CallerProcess | undefined, activityId: activity.id });
        tag = `_bra-call-out-${executionId}`;
        activity.broker.cancel(tag);
        // The called process's end signals the call activity; map its variables out before the activity
        // continues (its own handler listens at priority 300).
        activity.broker.subscribeTmp(
          'api',
          `activity.#.${executionId}`,
          (_key, message) => {
            if (message.properties.type === 'signal') this.callOutputs(activity, msg.content, executionId, call!);
          },
          { noAck: true, consumerTag: tag, priority: 1000 },
        );
      },
      deactivate: () => {
        if (tag) activity.broker.cancel(tag);
      },
    };
  }

  /**
   * An escalation thrown at the top of a called process goes to the caller, as in BPMN and Camunda, where a
   * boundary event of the call activity can catch it (betsy's Escalation_EndEvent_TopLevel). bpmn-elements
   * hands signals and messages from one process to the others, not escalations. One not caught in the called
   * process (its `delegate` still set) is handed straight to the boundary events of the call activity: not
   * through the definition and the caller's API, whose queue is still busy with the write's own signal while
   * the called process runs, so it would arrive after the call activity has completed. Hooked on the called
   * process (the owner of its first activity; processes get no extension calls of their own), once.
   */
  private escalationsToCaller(context: EngineContext): void {
    const bp = context?.owner as (EngineContext['owner'] & { id?: string; broker?: EngineActivity['broker'] }) | undefined;
    if (!bp?.broker || this.hooked.has(bp)) return;
    const callId = this.callRunning(bp.executionId);
    if (!callId) return; // not a called instance
    this.hooked.add(bp);
    bp.broker.subscribeTmp(
      'event',
      'activity.escalate',
      (_key, message) => {
        const m = message as unknown as { content: { parent?: { id?: string } }; properties: Record<string, unknown> };
        if (!m.properties.delegate || m.content.parent?.id !== bp.id) return;
        const caller = this.callers.get(callId);
        for (const a of caller?.owner?.getActivities?.() ?? []) {
          if (a.attachedTo?.id === caller!.activityId) a.broker.publish('api', `activity.escalate.${callId}`, m.content, { type: 'escalate', delegate: true });
        }
      },
      { noAck: true, consumerTag: '_bra-escalate-to-caller' },
    );
  }

  /**
   * One log line per pass of a service-like task: one for a plain task, one per iteration of a loop or
   * multi-instance (its first execute.start is the loop's own scope, not a pass), none when it runs zero times.
   */
  private logPasses(activity: EngineActivity, tag: string, what: string): void {
    activity.broker.cancel(tag);
    activity.broker.subscribeTmp(
      'execution',
      'execute.start',
      (_key, message) => {
        const c = (message as unknown as { content: { isMultiInstance?: boolean; isRootScope?: boolean; index?: number } }).content;
        if (c.isMultiInstance && typeof c.index !== 'number') return;
        this.checkBudget(activity.id);
        const n = (this.passes.get(activity.id) ?? 0) + 1;
        this.passes.set(activity.id, n);
        if (n > PASSES_LOGGED + 1) return;
        if (n > PASSES_LOGGED) return this.host.log(`${this.label(activity.id)} passes on; further passes in this request are not logged`);
        this.host.log(`${this.label(activity.id)} ${what}${typeof c.index === 'number' ? ` [pass ${c.index + 1}]` : ''}`);
      },
      { noAck: true, consumerTag: tag },
    );
  }

  private callInputs(activity: EngineActivity, content: ExpressionContext['content'], m: CallMappings): Variables {
    const from = this.scopeVariables({ environment: activity.environment, content });
    const out: Variables = {};
    if (m.allIn) for (const [k, v] of Object.entries(from)) if (!BUILTINS.has(k)) out[k] = v;
    for (const map of m.ins) out[map.target] = this.mapped(map, from, activity.id);
    // The called instance gets the caller's business key (the paper's rule; camunda:in businessKey says the same).
    out.businessKey = m.businessKey ? evaluateExpression(m.businessKey, from) : this.host.businessKey;
    return out;
  }

  private callOutputs(activity: EngineActivity, content: ExpressionContext['content'], executionId: string, m: CallMappings): void {
    const child = { ...(this.current.calls[executionId] ?? {}) };
    const from = Object.assign(Object.create(null), child) as Variables;
    const out: Variables = {};
    if (m.allOut) for (const [k, v] of Object.entries(child)) if (k !== 'businessKey') out[k] = v;
    for (const map of m.outs) out[map.target] = this.mapped(map, from, activity.id);
    this.setScopeVariables({ environment: activity.environment, content }, out);
  }

  private mapped(map: VariableMapping, from: Variables, elementId: string): unknown {
    try {
      if (map.sourceExpression !== undefined) return evaluateExpression(map.sourceExpression, from);
      return map.source !== undefined ? (from[map.source] ?? null) : null;
    } catch (e) {
      this.failure = { elementId, message: `mapping to '${map.target}': ${(e as Error).message}` };
      throw e;
    }
  }

  /** Sets process-level variables as seen from `ctx`: the served instance's, or the called instance's it runs in. */
  setScopeVariables(ctx: ExpressionContext, vars: Variables): void {
    const calledFrom = this.calledFrom(ctx.environment);
    if (calledFrom) this.current.calls[calledFrom] = { ...(this.current.calls[calledFrom] ?? {}), ...vars };
    else Object.assign(this.current.variables, vars);
  }

  /** Sets variables local to the subprocess iteration whose environment this is. */
  static setEnvironmentLocals(env: EngineEnvironment, vars: Variables): void {
    const old = env.variables[LOCAL_KEY];
    env.variables[LOCAL_KEY] = { ...(old && typeof old === 'object' ? old : {}), ...vars };
  }
}
