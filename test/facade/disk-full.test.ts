/**
 * The embedded engine on a disk that fills up, and on one that fails: the data directory is a small tmpfs
 * mounted by the test (root only; CI runs as root, elsewhere the test is skipped saying so). A full disk
 * answers 507 problem+json, writes nothing half, leaves no file behind, keeps serving reads, takes writes
 * again once space is back without a restart, and a restart while full starts. A disk remounted read-only
 * (what Linux does to a file system after I/O errors) answers 503 with Retry-After, the same way.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE, httpCall, spawnServe, stopServe, tempDir, type HttpAnswer, type ServeProcess } from '../helpers';

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
function cannotMount(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (mounting a tmpfs needs root)';
  const probe = tempDir('bra-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `mount -t tmpfs failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`;
  }
}


function serveOn(dataDir: string): Promise<ServeProcess> {
  return spawnServe([path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', dataDir]);
}


/** Every file of the instance folder is a slot of an acknowledged key, none empty, no temporary file. */
function assertOnlyAcknowledgedFiles(dataDir: string, acked: string[]): void {
  const files = fs.readdirSync(path.join(dataDir, 'instances'));
  const stray = files.filter((f) => !acked.some((k) => f === `k-${k}.0.rec` || f === `k-${k}.1.rec`));
  assert.deepEqual(stray, [], 'files of refused writes');
  const empty = files.filter((f) => fs.statSync(path.join(dataDir, 'instances', f)).size === 0);
  assert.deepEqual(empty, [], 'empty files');
  for (const k of acked) assert.ok(files.includes(`k-${k}.0.rec`), `${k}'s record`);
}

describe('embedded engine on a disk that fills up or fails (a tmpfs mounted by the test)', function () {
  this.timeout(60_000);
  const why = cannotMount();
  if (why) {
    if (process.env.CI === 'true') it('runs on CI (root)', () => assert.fail(`cannot mount a tmpfs: ${why}`));
    else it(`SKIPPED: ${why}`);
    return;
  }
  let mountPoint = '';
  /** every server started, so that none outlives a failed test */
  const started: ServeProcess[] = [];
  const serve = async (dataDir: string) => {
    const s = await serveOn(dataDir);
    started.push(s);
    return s;
  };
  let server: ServeProcess;
  before(() => {
    mountPoint = tempDir('bra-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1500k', 'tmpfs', mountPoint]);
  });
  after(async () => {
    for (const s of started) await stopServe(s, 'SIGKILL');
    execFileSync('umount', [mountPoint]);
  });

  it('full: 507 problem+json, nothing half written, no file left, reads go on; a restart while full starts; space back: writes resume without a restart, and nothing acknowledged is lost', async () => {
    server = await serve(mountPoint);
    const acked: string[] = [];
    let refused: HttpAnswer | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const r = await httpCall(server.url, 'POST', '/application', { businessKey: `f${i}`, product: `p${i}` });
      if (r.status === 201) acked.push(`f${i}`);
      else refused = r;
    }
    assert.ok(refused, 'the disk filled up');
    assert.ok(acked.length > 10, `${acked.length} creates before the disk was full`);
    assert.equal(refused.status, 507, refused.text);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(refused.body.title, 'Insufficient Storage');
    assert.equal(refused.body.type, 'https://bpmn-resource-api.dev/problems/storage-full');
    assert.match(refused.body.detail, /is full \(ENOSPC\): nothing was written/);
    // More refused creates leave nothing behind either, and the refused key does not exist.
    for (let i = 0; i < 5; i++) assert.equal((await httpCall(server.url, 'POST', '/application', { businessKey: `more${i}` })).status, 507);
    assert.equal((await httpCall(server.url, 'GET', `/application/f${acked.length}`)).status, 404);
    assertOnlyAcknowledgedFiles(mountPoint, acked);

    // A write to an existing instance (its second record needs a new slot file): 507, the instance unchanged.
    const key = acked[0];
    const docs = (await httpCall(server.url, 'GET', `/application/${key}/document`)).body._embedded.document;
    const doc = `/application/${key}/document/${docs[0].documentId}`;
    const put = await httpCall(server.url, 'PUT', doc, { description: 'on a full disk', type: 't' });
    assert.equal(put.status, 507, put.text);
    assert.equal((await httpCall(server.url, 'GET', doc)).body.description, undefined, 'the refused write is not visible');
    assert.equal((await httpCall(server.url, 'GET', `/application/${key}`)).body._process.waiting.length, 2, 'both documents still wait');
    for (const k of acked) assert.equal((await httpCall(server.url, 'GET', `/application/${k}`)).status, 200, `read ${k} on a full disk`);
    assertOnlyAcknowledgedFiles(mountPoint, acked);

    // Killed and started again while the disk is still full: it starts and serves every instance.
    await stopServe(server, 'SIGKILL');
    server = await serve(mountPoint);
    for (const k of acked) assert.equal((await httpCall(server.url, 'GET', `/application/${k}`)).body.product, `p${k.slice(1)}`, k);
    assert.equal((await httpCall(server.url, 'POST', '/application', { businessKey: 'still-full' })).status, 507);

    // Space back (the tmpfs grows): writes are taken again by the same process.
    execFileSync('mount', ['-o', 'remount,size=20m', mountPoint]);
    assert.equal((await httpCall(server.url, 'PUT', doc, { description: 'space is back', type: 't' })).status, 200);
    assert.equal((await httpCall(server.url, 'POST', '/application', { businessKey: 'after', product: 'after' })).status, 201);
    acked.push('after');
    await stopServe(server, 'SIGTERM');
    server = await serve(mountPoint);
    for (const k of acked) assert.equal((await httpCall(server.url, 'GET', `/application/${k}`)).status, 200, `${k} after the restart`);
    assert.equal((await httpCall(server.url, 'GET', doc)).body.description, 'space is back');
    const rest = docs.slice(1).map((d: { documentId: string }) => `/application/${key}/document/${d.documentId}`);
    for (const d of rest) assert.equal((await httpCall(server.url, 'PUT', d, { description: 'second', type: 't' })).status, 200);
    assert.equal((await httpCall(server.url, 'PUT', `/application/${key}/decision`, { accepted: true, premium: 1 })).status, 200);
    assert.equal((await httpCall(server.url, 'PUT', `/application/${key}/decision/approval`, { approved: true })).status, 200);
    assert.equal((await httpCall(server.url, 'GET', `/application/${key}`)).body._process.state, 'completed');
    await stopServe(server, 'SIGTERM');
  });

  it('failing (remounted read-only): 503 with Retry-After, reads go on, nothing written; writable again: writes resume', async () => {
    server = await serve(mountPoint);
    assert.equal((await httpCall(server.url, 'POST', '/application', { businessKey: 'ro-before', product: 'x' })).status, 201);
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      const r = await httpCall(server.url, 'POST', '/application', { businessKey: 'ro-during' });
      assert.equal(r.status, 503, r.text);
      assert.equal(r.headers.get('retry-after'), '5');
      assert.match(r.body.detail, /cannot be written \(EROFS/);
      const docs = (await httpCall(server.url, 'GET', '/application/ro-before/document')).body._embedded.document;
      const w = await httpCall(server.url, 'PUT', `/application/ro-before/document/${docs[0].documentId}`, { description: 'x', type: 't' });
      assert.equal(w.status, 503, w.text);
      assert.equal((await httpCall(server.url, 'GET', '/application/ro-before')).body.product, 'x');
      assert.equal((await httpCall(server.url, 'GET', '/application/ro-during')).status, 404);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
    assert.equal((await httpCall(server.url, 'POST', '/application', { businessKey: 'ro-after' })).status, 201);
    await stopServe(server, 'SIGTERM');
  });
});
