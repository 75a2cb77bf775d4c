/**
 * Whole-file writes that survive a crash or a power cut, for the model definitions (a crash leaves the old or
 * the new file, never a torn one), and the folder fsync the instance store shares for the files it creates.
 */
import * as fsp from 'node:fs/promises';

/**
 * Writes `text` to a temporary file beside `file`, fsyncs it and renames it over `file`. The rename is
 * durable only once the folder is fsynced (`fsyncFolder`), which the caller does (the store shares one
 * folder fsync among concurrent writers).
 */
export async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  try {
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    // A full disk must not leave a temporary file per attempt (one left anyway is removed at the next start).
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Makes a folder's entries (renames, removals) durable. */
export async function fsyncFolder(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
