import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { InstanceSnapshot } from '../ports';
import { fsyncFolder, replaceFile } from './durableFile';
import type { InstanceVariables } from './runtime';

/** What is on disk for one instance: the snapshot, its process data and the engine's own state (null once completed). */
export interface StoredInstance extends InstanceSnapshot, InstanceVariables {
  engineState: string | null;
  /** due times of the instance's timers, so they fire after a restart */
  timers: Array<{ dueAt: number; elementId?: string; executionId?: string }>;
}

/**
 * File name of a business key. Keys that differ only in case must not meet on case-insensitive file
 * systems (macOS, Windows), and CON, NUL, AUX… are reserved on Windows even with an extension: every
 * name starts with `k-`, an upper-case letter is written `~` + its lower case and `~` itself `~~`.
 * A key whose name would be too long is named by its hash (`h-…`); its key is read from the file.
 */
export function fileNameOf(key: string): string {
  const encoded = key.replace(/[~A-Z]/g, (c) => (c === '~' ? '~~' : `~${c.toLowerCase()}`));
  if (encoded.length <= 200) return `k-${encoded}.json`;
  return `h-${createHash('sha256').update(key).digest('hex')}.json`;
}

export function keyOfFileName(name: string): string | undefined {
  if (!name.startsWith('k-') || !name.endsWith('.json')) return undefined;
  return name.slice(2, -5).replace(/~(~|[a-z])/g, (_m, c: string) => (c === '~' ? '~' : c.toUpperCase()));
}

/**
 * One JSON file per instance under `<dataDir>/instances/`. A write goes to a temporary file that is
 * fsynced, renamed over the old one and the folder fsynced, so a crash leaves the old or the new file,
 * never a torn one, and an acknowledged write survives a power cut.
 */
export class InstanceStore {
  readonly dir: string;
  private readonly keys = new Set<string>();
  private sorted: string[] | undefined;
  /** the folder fsync running now, and the one that waits for it (see syncDir) */
  private dirSync: Promise<void> | undefined;
  private nextDirSync: Promise<void> | undefined;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'instances');
  }

  /** Reads the folder; files of the previous layout (`<key>.json`) are moved to today's names. */
  async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    for (const f of await fsp.readdir(this.dir)) {
      if (f.endsWith('.tmp')) {
        await fsp.rm(path.join(this.dir, f), { force: true }); // a write cut by a crash
        continue;
      }
      if (!f.endsWith('.json')) continue;
      const key = keyOfFileName(f);
      if (key !== undefined) {
        this.keys.add(key);
      } else if (f.startsWith('h-')) {
        const rec = JSON.parse(await fsp.readFile(path.join(this.dir, f), 'utf8')) as StoredInstance;
        this.keys.add(rec.businessKey);
      } else {
        const rec = JSON.parse(await fsp.readFile(path.join(this.dir, f), 'utf8')) as StoredInstance;
        await this.write(upgrade(rec));
        await fsp.rm(path.join(this.dir, f), { force: true });
      }
    }
    await this.syncDir();
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Keys in order (generated keys are time-ordered, so this is creation order for them). */
  list(): string[] {
    if (!this.sorted) this.sorted = [...this.keys].sort();
    return this.sorted;
  }

  get size(): number {
    return this.keys.size;
  }

  async read(key: string): Promise<StoredInstance | undefined> {
    if (!this.keys.has(key)) return undefined;
    let text: string;
    try {
      text = await fsp.readFile(this.file(key), 'utf8');
    } catch (e) {
      // Removed between the check and the read (a DELETE does not wait for readers): it is gone.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !this.keys.has(key)) return undefined;
      throw e;
    }
    return upgrade(JSON.parse(text) as StoredInstance);
  }

  async write(rec: StoredInstance): Promise<void> {
    await replaceFile(this.file(rec.businessKey), JSON.stringify(rec));
    await this.syncDir();
    if (!this.keys.has(rec.businessKey)) {
      this.keys.add(rec.businessKey);
      this.sorted = undefined;
    }
  }

  async remove(key: string): Promise<boolean> {
    if (!this.keys.has(key)) return false;
    // Gone for readers before the file is: a read that finds the key also finds its file (or sees it removed).
    this.keys.delete(key);
    this.sorted = undefined;
    try {
      await fsp.rm(this.file(key), { force: true });
    } catch (e) {
      this.keys.add(key);
      this.sorted = undefined;
      throw e;
    }
    await this.syncDir();
    return true;
  }

  private file(key: string): string {
    return path.join(this.dir, fileNameOf(key));
  }

  /**
   * Makes the folder's entries (renames, removals) durable. Group commit: writers that arrive while a
   * folder fsync runs share the next one, which starts after it (so it covers their renames); one fsync
   * serves every concurrent write instead of one each.
   */
  private syncDir(): Promise<void> {
    if (!this.dirSync) {
      this.dirSync = this.fsyncDir().finally(() => {
        this.dirSync = undefined;
      });
      return this.dirSync;
    }
    if (!this.nextDirSync) {
      const after = () => {
        this.nextDirSync = undefined;
        return this.syncDir();
      };
      this.nextDirSync = this.dirSync.then(after, after);
    }
    return this.nextDirSync;
  }

  private fsyncDir(): Promise<void> {
    return fsyncFolder(this.dir);
  }
}

/** Records written before process data existed get empty variables. */
function upgrade(rec: StoredInstance): StoredInstance {
  rec.variables ??= {};
  rec.locals ??= {};
  rec.calls ??= {};
  rec.timers ??= [];
  return rec;
}
