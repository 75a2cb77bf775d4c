/**
 * The thinnest HTTP facade over bpmn-engine there can be, for the flow benchmark's ceiling: fastify routes
 * for the example's six requests, each driving the engine directly and saving its state as the baseline
 * does (getState, write, fsync), no validation, no representation, no ETag, no model. What it costs over
 * the engine alone is what any HTTP facade in front of bpmn-engine pays, ours included.
 *
 * `node bareEngineServer.js <bpmn file> <data dir>`: prints `listening on <url>`.
 * A client sends one request at a time per business key (the benchmark does), so there is no lock.
 */
import * as fs from 'node:fs';
import Fastify from 'fastify';
import { BaselineInstance, completeBaseline, saveBaseline, startBaseline, waitingOf } from './engineBaseline';
import { dynamicImport } from './stats';

async function main(bpmnFile: string, dataDir: string): Promise<void> {
  const { BpmnModdle } = await dynamicImport('bpmn-moddle');
  const ctx = await new BpmnModdle().fromXML(fs.readFileSync(bpmnFile, 'utf8'));
  const instances = new Map<string, BaselineInstance>();
  const app = Fastify({ logger: false });
  const complete = async (key: string, match: (w: { id: string; executionId: string }) => boolean, body: unknown) => {
    const inst = instances.get(key);
    const w = inst && waitingOf(inst).find(match);
    if (!inst || !w) return { status: 409, body: { title: 'not waiting' } };
    completeBaseline(inst, w);
    if (inst.engine.state === 'running') await saveBaseline(inst, dataDir, key);
    else instances.delete(key);
    return { status: 200, body };
  };
  app.post('/application', async (req, reply) => {
    const body = req.body as { businessKey: string };
    const inst = await startBaseline(ctx, body.businessKey);
    instances.set(body.businessKey, inst);
    await saveBaseline(inst, dataDir, body.businessKey);
    return reply.code(201).send(body);
  });
  app.get('/application/:key/document', async (req) => {
    const inst = instances.get((req.params as { key: string }).key);
    const docs = inst ? waitingOf(inst).filter((w) => w.id === 'Activity_upload') : [];
    return { _embedded: { document: docs.map((w) => ({ documentId: w.executionId })) } };
  });
  const put = (url: string, match: (p: Record<string, string>) => (w: { id: string; executionId: string }) => boolean) =>
    app.put(url, async (req, reply) => {
      const p = req.params as Record<string, string>;
      const r = await complete(p.key, match(p), req.body);
      return reply.code(r.status).send(r.body);
    });
  put('/application/:key/document/:id', (p) => (w) => w.executionId === p.id);
  put('/application/:key/decision', () => (w) => w.id === 'Activity_04bi4lp');
  put('/application/:key/decision/approval', () => (w) => w.id === 'Activity_approve');
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`listening on ${url}`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// spawnServe (test/helpers) passes 'serve' first, as to the CLI.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === 'serve'));
main(args[0], args[1]).catch((e) => {
  console.error(e);
  process.exit(1);
});
