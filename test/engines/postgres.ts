/**
 * A throwaway PostgreSQL for the tests that put several engine nodes on one database (Debian's `postgresql`
 * package: its binaries under /usr/lib/postgresql/<version>/bin; no system service). initdb in a temporary
 * folder, the server on a free loopback port, trust authentication, fsync off (a test database: nothing to
 * keep). As root (CI) it runs as the `postgres` user, since PostgreSQL refuses to run as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers';

const ROOT_DIR = '/usr/lib/postgresql';

function binDir(): string | undefined {
  if (!fs.existsSync(ROOT_DIR)) return undefined;
  const versions = fs.readdirSync(ROOT_DIR).filter((v) => fs.existsSync(path.join(ROOT_DIR, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(ROOT_DIR, versions[0], 'bin') : undefined;
}

/** The user the server runs as: the `postgres` user when we are root, else ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return r.status === 0 && g.status === 0 ? { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) } : undefined;
}

/** Why PostgreSQL cannot run here (undefined when it can). */
export function postgresMissing(): string | undefined {
  if (!binDir()) return `no PostgreSQL under ${ROOT_DIR} (Debian's postgresql package; .ci/run installs it)`;
  if (process.getuid?.() === 0 && !runAs()) return 'running as root, and there is no postgres user to run PostgreSQL as';
  return undefined;
}

export class TempPostgres {
  port = 0;
  private child: ChildProcess | undefined;
  private dir = '';
  private readonly user = runAs();
  private readonly killAtExit = () => this.child?.kill('SIGKILL');

  /** Starts an empty cluster; resolves once it accepts connections. */
  async start(): Promise<this> {
    const bin = binDir()!;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bra-pg-'));
    if (this.user) fs.chownSync(this.dir, this.user.uid, this.user.gid);
    const asUser = { ...(this.user ?? {}), encoding: 'utf8' as const };
    const init = spawnSync(path.join(bin, 'initdb'), ['-D', path.join(this.dir, 'data'), '-U', 'bra', '--auth=trust', '-E', 'UTF8', '--no-sync'], asUser);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`);
    this.port = await freePort();
    const log = fs.openSync(path.join(this.dir, 'server.log'), 'w');
    if (this.user) fs.fchownSync(log, this.user.uid, this.user.gid);
    this.child = spawn(path.join(bin, 'postgres'), ['-D', path.join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'], { ...(this.user ?? {}), stdio: ['ignore', log, log] });
    fs.closeSync(log);
    process.once('exit', this.killAtExit);
    const end = Date.now() + 30_000;
    for (;;) {
      const ready = spawnSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port)], { encoding: 'utf8' });
      if (ready.status === 0) break;
      if (this.child.exitCode !== null || Date.now() > end) throw new Error(`PostgreSQL did not start: ${fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  /** A new empty database; its JDBC URL. */
  createDatabase(name: string): string {
    const r = spawnSync(path.join(binDir()!, 'createdb'), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'bra', name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`createdb ${name}: ${r.stderr}`);
    return `jdbc:postgresql://127.0.0.1:${this.port}/${name}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      process.removeListener('exit', this.killAtExit);
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT'); // PostgreSQL's fast shutdown
      await gone;
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
