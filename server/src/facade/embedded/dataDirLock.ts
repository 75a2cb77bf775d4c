/**
 * One process owns a data directory (design.md): two `serve` writing the same instance files would each keep
 * its own view of which slot holds the newest record and write over the other's acknowledged records.
 *
 * The lock is a symbolic link `<dataDir>/serve.lock` whose target names the owner (`<pid>@<host>`), as Firefox
 * and Emacs lock with links: creating a link is atomic and fails when it exists, and its few bytes need no data
 * block, so a restart on a full disk can still take it (a lock file with the pid written in it could not).
 * A lock whose process is gone (SIGKILL, a crash) is taken over with a log line. On another host the owner cannot
 * be asked, so such a lock is refused with a message naming it.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export class DataDirLock {
  private readonly file: string;
  private held = false;

  constructor(
    dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.file = path.join(dataDir, 'serve.lock');
  }

  /** Takes the lock, or throws saying who holds it. */
  async acquire(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const me = `${process.pid}@${os.hostname()}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.symlink(me, this.file);
        this.held = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = await fs.readlink(this.file).catch(() => undefined);
      if (owner === undefined) continue; // released meanwhile
      const [pid, host] = [Number(owner.split('@')[0]), owner.slice(owner.indexOf('@') + 1)];
      if (host !== os.hostname()) {
        throw new Error(`the data directory ${path.dirname(this.file)} is locked by process ${pid} on host ${host} (${this.file}); one process owns a data directory: stop that one, or remove the lock if it is gone`);
      }
      if (pid !== process.pid && alive(pid)) {
        throw new Error(`the data directory ${path.dirname(this.file)} is in use by process ${pid} (${this.file}); one process owns a data directory: stop that one, or serve with another --data-dir`);
      }
      await fs.rm(this.file, { force: true });
      if (pid !== process.pid) this.log(`data directory: took over the lock of process ${pid}, which is gone`);
    }
    throw new Error(`could not take the lock ${this.file}`);
  }

  /** Gives the lock back (at close). */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    const owner = await fs.readlink(this.file).catch(() => undefined);
    if (owner === `${process.pid}@${os.hostname()}`) await fs.rm(this.file, { force: true });
  }
}

/** Whether a process of this host is running (signal 0 asks without sending anything). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, but is another user's
  }
}
