/**
 * The served model as bpmn-engine runs it, serialized once and shared by every instance's engine, and
 * kept once on disk instead of once per instance.
 *
 * bpmn-engine serializes the model for each `new Engine({ moddleContext })`, and puts the whole
 * serialized definition (`source`, a JSON string) into every state it gives. Stored with each instance,
 * that is a copy of the model in every file, serialized, written, read and deserialized at every wait
 * (a quarter of the example's instance file; a large model's copy outweighs the rest). Instead:
 * - one serialized context (`sourceContext`, bpmn-engine's documented option) for all engines;
 * - a state names its definition by hash (`sourceRef`); the definition is written once, under
 *   `<dataDir>/definitions/<hash>.json`, before any state that names it;
 * - recovering a state of the current model uses the shared context (bpmn-engine takes an engine's own
 *   source when the state has none); a state of an earlier model gets that model's definition back, so
 *   an instance stays on the model it started with after the file changed, as Camunda keeps instances
 *   on their deployed version. States written with `source` inline (earlier versions) recover as before.
 */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncFolder, replaceFile } from './durableFile';
import type { ModdleContext } from './moddle';
import { storageFailure } from './store';

/** moddle-context-serializer's context: what bpmn-engine builds engines from (`sourceContext`). */
export interface SourceContext {
  id: string;
  serialize(): string;
}

interface DefinitionState {
  id?: string;
  source?: string;
  sourceRef?: string;
  [k: string]: unknown;
}

interface EngineState {
  definitions?: DefinitionState[];
  [k: string]: unknown;
}

type Serializer = (moddleContext: ModdleContext) => SourceContext;

/** What bpmn-elements (Context.js) calls a definitions element that has no id. */
const UNNAMED_DEFINITIONS = 'Def';

export class DefinitionStore {
  readonly dir: string;
  private current: { context: SourceContext; text: string; hash: string } | undefined;
  /** texts of the definitions known to be on disk, by hash (earlier models' read from their files on demand) */
  private readonly onDisk = new Map<string, string>();
  /** definition files being written, so that concurrent writers of one wait for the same write */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'definitions');
  }

  /**
   * Serializes the model once (with `serialize`, bpmn-engine's own serializer, so the context is the one
   * each engine would have made) and makes sure its definition file is on disk; a warning when the disk
   * would not take it.
   */
  async init(moddleContext: ModdleContext, serialize: Serializer): Promise<string | undefined> {
    const context = serialize(moddleContext);
    // A <definitions> without an id (Camunda Modeler and Flowable exports have them): bpmn-elements names the
    // definition 'Def' in every state it gives, while the serialized context's id stays undefined, and
    // bpmn-engine's recover finds the context for a state by that id. Unnamed, no evicted or restarted
    // instance of such a model could be recovered (500 'Cannot read properties of undefined').
    context.id ??= UNNAMED_DEFINITIONS;
    const text = context.serialize();
    // bpmn-engine serializes the source again for each state it gives: the same text, so hand it over.
    context.serialize = () => text;
    await fsp.mkdir(this.dir, { recursive: true });
    for (const f of await fsp.readdir(this.dir)) if (f.endsWith('.tmp')) await fsp.rm(path.join(this.dir, f), { force: true }); // cut by a crash
    const hash = definitionHash(text);
    this.current = { context, text, hash };
    try {
      await this.keep(text);
    } catch (e) {
      // A full or failing disk must not keep the facade from starting: reads need no new file, and the
      // first write tries to keep the definition again (pack), answering as the disk does then.
      if (!storageFailure(e, this.dir)) throw e;
      return `the served model's definition could not be written to ${this.dir} (${(e as NodeJS.ErrnoException).code}); instances are read, and writes are tried again when they come`;
    }
    return undefined;
  }

  /** The served model's hash, as instance states name it. */
  get currentHash(): string {
    return this.model().hash;
  }

  /** The shared serialized context every engine of the served model is built from. */
  get sourceContext(): SourceContext {
    return this.model().context;
  }

  /**
   * An engine state as stored: its definition named by hash instead of copied in. (An instance recovered
   * from an earlier model's or an earlier version's state gives that model's text: kept once as well.)
   */
  async pack(state: unknown): Promise<string> {
    const { text, hash } = this.model();
    for (const d of (state as EngineState).definitions ?? []) {
      if (d.source === undefined) continue;
      d.sourceRef = d.source === text && this.onDisk.has(hash) ? hash : await this.keep(d.source);
      delete d.source;
    }
    return JSON.stringify(state);
  }

  /** A stored engine state as bpmn-engine recovers it (see the module's comment). */
  async unpack(stored: string): Promise<unknown> {
    const { text, hash } = this.model();
    const state = JSON.parse(stored) as EngineState;
    for (const d of state.definitions ?? []) {
      if (d.sourceRef !== undefined) {
        if (d.sourceRef !== hash) d.source = await this.earlierText(d.sourceRef);
        delete d.sourceRef;
      } else if (d.source === text) {
        delete d.source; // written inline by an earlier version, of this very model
      }
    }
    return state;
  }

  /** The definitions a stored engine state names (for prune). */
  static refsOf(stored: string | null): string[] {
    if (!stored) return [];
    return [...stored.matchAll(/"sourceRef":"([0-9a-f]{32})"/g)].map((m) => m[1]);
  }

  /**
   * Removes the definition files that neither the served model nor any stored state names (at start, before
   * any engine runs): restarting on every save of the model would otherwise leave one file per edit.
   */
  async prune(referenced: ReadonlySet<string>): Promise<void> {
    const { hash } = this.model();
    for (const f of await fsp.readdir(this.dir)) {
      const m = /^([0-9a-f]{32})\.json$/.exec(f);
      if (!m || m[1] === hash || referenced.has(m[1])) continue;
      await fsp.rm(path.join(this.dir, f), { force: true });
      this.onDisk.delete(m[1]);
    }
  }

  private async earlierText(hash: string): Promise<string> {
    let text = this.onDisk.get(hash);
    if (text === undefined) {
      if (!/^[0-9a-f]{32}$/.test(hash)) throw new Error(`an instance names an unknown model definition '${hash}'`);
      try {
        text = await fsp.readFile(path.join(this.dir, `${hash}.json`), 'utf8');
      } catch (e) {
        throw new Error(`the model definition this instance started on (${hash}) is missing from ${this.dir}: ${(e as Error).message}`);
      }
      this.onDisk.set(hash, text);
    }
    return text;
  }

  /** Makes sure a definition is on disk (written whole: temporary file, fsync, rename, folder fsync); its hash. */
  private async keep(text: string): Promise<string> {
    const hash = definitionHash(text);
    if (this.onDisk.has(hash)) return hash;
    let writing = this.writing.get(hash);
    if (!writing) {
      writing = this.write(hash, text).finally(() => this.writing.delete(hash));
      this.writing.set(hash, writing);
    }
    await writing;
    this.onDisk.set(hash, text);
    return hash;
  }

  private async write(hash: string, text: string): Promise<void> {
    const file = path.join(this.dir, `${hash}.json`);
    if (await fsp.stat(file).then(() => true, () => false)) return;
    await replaceFile(file, text);
    await fsyncFolder(this.dir);
  }

  private model(): { context: SourceContext; text: string; hash: string } {
    if (!this.current) throw new Error('DefinitionStore used before init');
    return this.current;
  }
}

function definitionHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
