/**
 * The generated .http file, judged by a tool that reads that format: the httpyac CLI sends its requests
 * in order against the facade (real HTTP) and they walk the example process to its end. REST Client
 * (a VS Code extension) cannot run here: its variant differs only in how a request uses an earlier
 * answer, checked against REST Client's documented form.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { httpRequests } from '../../server/src/core/resources/httpRequests';
import { loadProject } from '../../server/src/node/project';
import { startFacade, type RunningFacade } from '../../server/src/facade/start';
import { EXAMPLE, ROOT, tempDir } from '../helpers';

const BPMN = path.join(EXAMPLE, 'application.bpmn');

function httpyac(file: string): Promise<{ code: number; out: string }> {
  const bin = path.join(ROOT, 'node_modules', 'httpyac', 'bin', 'httpyac.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'send', file, '--all', '--json'], { cwd: path.dirname(file) });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('generated HTTP requests (.http), sent by httpyac against the facade', function () {
  this.timeout(60000);
  let f: RunningFacade;
  before(async () => {
    f = await startFacade({ bpmnFile: BPMN, port: 0, log: () => undefined, dataDir: tempDir('bra-http-') });
  });
  after(() => f?.close());

  it('walks the example to its end: start, read, both documents by the ids the list answered, the decision, the approval', async () => {
    const p = loadProject(BPMN);
    const text = httpRequests(p.analysis, { baseUrl: f.url, businessKey: 'walked', dialect: 'httpyac' })!;
    const file = path.join(tempDir('bra-http-file-'), 'application.http');
    fs.writeFileSync(file, text);
    const r = await httpyac(file);
    assert.equal(r.code, 0, r.out);
    const report = JSON.parse(r.out.slice(r.out.indexOf('{'))) as { summary: { totalRequests: number; successRequests: number; failedRequests: number }; requests: { response?: { statusCode: number } }[] };
    assert.equal(report.summary.totalRequests, 8, r.out);
    assert.equal(report.summary.failedRequests, 0, r.out);
    assert.deepEqual(report.requests.map((x) => x.response?.statusCode), [201, 200, 200, 200, 200, 200, 200, 200]);
    const root = (await (await fetch(`${f.url}/application/walked`)).json()) as { _process: { state: string } };
    assert.equal(root._process.state, 'completed');
  });

  it("REST Client's variant: the same requests, answers used as {{name.response.body.$.path}}", () => {
    const p = loadProject(BPMN);
    const rest = httpRequests(p.analysis, { businessKey: 'k' })!;
    const yac = httpRequests(p.analysis, { businessKey: 'k', dialect: 'httpyac' })!;
    const refs = [...rest.matchAll(/\{\{(\w+)\.response\.body\.\$\.([^}]+)\}\}/g)].map((m) => `{{${m[1]}.${m[2]}}}`);
    assert.deepEqual(refs, ['{{documentItems._embedded.document[0].documentId}}', '{{documentItems._embedded.document[1].documentId}}']);
    let i = 0;
    assert.equal(rest.replace(/\{\{(\w+)\.response\.body\.\$\.([^}]+)\}\}/g, () => refs[i++]).replace('REST Client', 'httpyac'), yac);
    assert.match(rest, /^@baseUrl = http:\/\/127\.0\.0\.1:3000$/m);
    assert.match(rest, /^### .*\n# @name documentItems\nGET \{\{baseUrl\}\}\/application\/\{\{businessKey\}\}\/document$/m);
  });
});
