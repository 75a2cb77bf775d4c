/**
 * The flow benchmark's baselines must do the flow they claim to, or its ratios mean nothing: bpmn-engine
 * driven directly ends the example's process and saves its state at each wait; the bare-routes server
 * (the ceiling for any HTTP facade) answers the same six requests a flow as the facade, over a socket.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE, spawnServe, tempDir } from '../helpers';
import { engineFlow, startBaseline, waitingOf } from './engineBaseline';
import { facadeFlow, flowClient } from './facade.bench';
import { dynamicImport } from './stats';

const BPMN = path.join(EXAMPLE, 'application.bpmn');

describe('flow benchmark baselines', () => {
  let ctx: unknown;
  before(async () => {
    const { BpmnModdle } = await dynamicImport('bpmn-moddle');
    ctx = await new BpmnModdle().fromXML(fs.readFileSync(BPMN, 'utf8'));
  });

  it('bpmn-engine driven directly ends the flow, its state saved at each wait', async () => {
    const dir = tempDir('bra-baseline-');
    const started = await startBaseline(ctx, 'probe');
    assert.deepEqual(waitingOf(started).map((w) => w.id), ['Activity_upload', 'Activity_upload'], 'two documents wait at the start');
    await engineFlow(ctx, 'b1', dir);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'b1.json'), 'utf8')) as { state: string; definitions: unknown[] };
    // The last save follows the approval's signal: the process has ended, the engine is idle again.
    assert.equal(saved.state, 'idle');
    assert.equal(saved.definitions.length, 1);
  });

  it('the bare-routes server answers the flow over HTTP and refuses a task that no longer waits', async () => {
    const dir = tempDir('bra-bare-');
    const { child, url } = await spawnServe([BPMN, dir], { cli: path.join(__dirname, 'bareEngineServer.js') });
    const client = flowClient(url);
    try {
      await facadeFlow(client, 'h1');
      assert.ok(fs.existsSync(path.join(dir, 'h1.json')), 'state saved');
      await assert.rejects(client.request('/application/h1/decision/approval', 'PUT', { approved: true }), /409/);
    } finally {
      client.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
