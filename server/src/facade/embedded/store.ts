import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { InstanceSnapshot } from '../ports';

/** What is on disk for one instance: the snapshot plus the engine's own state (null once completed). */
export interface StoredInstance extends InstanceSnapshot {
  engineState: string | null;
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

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'instances');
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    for (const f of await fsp.readdir(this.dir)) {
      if (f.endsWith('.json')) this.keys.add(f.slice(0, -5));
      else if (f.endsWith('.tmp')) await fsp.rm(path.join(this.dir, f), { force: true }); // a write cut by a crash
    }
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
    const text = await fsp.readFile(this.file(key), 'utf8');
    return JSON.parse(text) as StoredInstance;
  }

  async write(rec: StoredInstance): Promise<void> {
    const target = this.file(rec.businessKey);
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(rec));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
    await this.syncDir();
    if (!this.keys.has(rec.businessKey)) {
      this.keys.add(rec.businessKey);
      this.sorted = undefined;
    }
  }

  async remove(key: string): Promise<boolean> {
    if (!this.keys.has(key)) return false;
    await fsp.rm(this.file(key), { force: true });
    await this.syncDir();
    this.keys.delete(key);
    this.sorted = undefined;
    return true;
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private async syncDir(): Promise<void> {
    const fh = await fsp.open(this.dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
