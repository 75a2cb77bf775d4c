/**
 * Preloaded into a `serve` process by the crash tests (`node --require`): the process kills itself with
 * SIGKILL inside the n-th write of an instance record (BRA_CRASH_AT_WRITE) of the kind BRA_CRASH_ON names
 * (`create`: a write into a file it has just created, an instance's first or second record; `overwrite`: one
 * in place; `any`), at the moment BRA_CRASH_MODE names — `torn`: half the record's bytes written;
 * `unsynced`: all written, not fdatasynced; `synced`: written and fdatasynced, not yet acknowledged. The
 * store writes records with fs.writev alone, so counting its calls counts record writes. Nothing of the
 * product is changed: the crash is the test's.
 */
import fs = require('node:fs'); // the module object itself (a namespace import's properties are getters only)

const at = Number(process.env.BRA_CRASH_AT_WRITE);
const mode = process.env.BRA_CRASH_MODE ?? 'torn';
const on = process.env.BRA_CRASH_ON ?? 'any';
let writes = 0;
const realWritev = fs.writev;
const realOpen = fs.open;
/** descriptors of files opened with 'w': created (or emptied) for this write */
const created = new Set<number>();

function crash(fd: number, buffers: NodeJS.ArrayBufferView[], position: number): never {
  const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
  const upTo = mode === 'torn' ? Math.max(1, Math.floor(bytes.length / 2)) : bytes.length;
  fs.writeSync(fd, bytes, 0, upTo, position);
  if (mode === 'synced') fs.fdatasyncSync(fd);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: killed');
}

if (Number.isInteger(at) && at > 0) {
  (fs as { open: unknown }).open = function open(file: fs.PathLike, flags: unknown, ...rest: unknown[]) {
    const cb = rest.pop() as (err: Error | null, fd?: number) => void;
    return (realOpen as (...a: unknown[]) => void).call(fs, file, flags, ...rest, (err: Error | null, fd?: number) => {
      if (fd !== undefined) {
        if (flags === 'w') created.add(fd);
        else created.delete(fd);
      }
      cb(err, fd);
    });
  };
  (fs as { writev: unknown }).writev = function writev(fd: number, buffers: NodeJS.ArrayBufferView[], ...rest: unknown[]) {
    const counts = on === 'any' || (on === 'create') === created.has(fd);
    if (counts && ++writes === at) crash(fd, buffers, typeof rest[0] === 'number' ? rest[0] : 0);
    return (realWritev as (...a: unknown[]) => void).call(fs, fd, buffers, ...rest);
  };
}
