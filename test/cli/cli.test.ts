import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyExample, EXAMPLE, ROOT, splitProject, tempDir, umlModel } from '../helpers';

const BIN = path.join(ROOT, 'bin', 'bpmn-resource-api.js');

function run(args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tempCopy(): string {
  const dir = copyExample(tempDir('bra-cli-'));
  return dir;
}

describe('CLI (the built command, run as a process)', () => {
  it('check: the example is clean, exit 0', () => {
    const r = run(['check', 'examples/application-check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^0 errors, 0 warnings in 2 files$/m);
  });

  it('check: rule severities from bpmn-resource-api.json ("off", "error"); an unknown rule is a warning on stderr', () => {
    const dir = tempCopy();
    const file = path.join(dir, 'application.bpmn');
    // The process loses its link: process-not-linked (a warning by default).
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/(<bpmn:process[^>]*>\s*<bpmn:extensionElements>\s*)<linkedResource name="Application" \/>/, '$1'));
    const before = run(['check', file, '--format', 'json']);
    assert.ok(JSON.parse(before.stdout).some((d: { code: string; severity: string }) => d.code === 'process-not-linked' && d.severity === 'warning'), before.stdout);
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', rules: { 'process-not-linked': 'error', 'no-such-rule': 'off' } }));
    const strict = run(['check', file, '--format', 'json']);
    assert.equal(strict.code, 1, 'an error now');
    assert.ok(JSON.parse(strict.stdout).some((d: { code: string; severity: string }) => d.code === 'process-not-linked' && d.severity === 'error'));
    assert.match(strict.stderr, /warning: .*bpmn-resource-api\.json: "rules": no rule 'no-such-rule'/);
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', rules: { 'process-not-linked': 'off' } }));
    const quiet = run(['check', file, '--format', 'json']);
    assert.ok(!JSON.parse(quiet.stdout).some((d: { code: string }) => d.code === 'process-not-linked'), quiet.stdout);
  });

  it('check: unsupported-encoding is a rule like the others: reported at the declaration, and "off" in the config silences it', () => {
    const dir = tempCopy();
    const file = path.join(dir, 'application.bpmn');
    const text = fs.readFileSync(file, 'utf8').replace('encoding="UTF-8"', 'encoding="EBCDIC-CP-US"');
    fs.writeFileSync(file, text);
    // at the encoding's name, as the language server reports it (one loader for both)
    const column = text.indexOf('EBCDIC-CP-US') + 1;
    assert.match(run(['check', file]).stdout, new RegExp(`application\\.bpmn:1:${column}: warning unsupported-encoding: Encoding 'EBCDIC-CP-US' is not supported`));
    // the model file is read the same way
    const model = path.join(dir, 'resources.uml');
    fs.writeFileSync(model, fs.readFileSync(model, 'utf8').replace(/encoding="UTF-8"/i, 'encoding="EBCDIC-CP-US"'));
    assert.match(run(['check', file]).stdout, /resources\.uml:1:\d+: warning unsupported-encoding: Encoding 'EBCDIC-CP-US' is not supported/);
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', rules: { 'unsupported-encoding': 'off' } }));
    assert.match(run(['check', file]).stdout, /^0 errors, 0 warnings in 2 files$/m);
  });

  it('check: an unknown resource is reported at its exact position, exit 1 (text, json, sarif)', () => {
    const dir = tempCopy();
    const file = path.join(dir, 'application.bpmn');
    const text = fs.readFileSync(file, 'utf8').replace('<linkedResource name="Approval" />', '<linkedResource name="Aproval" />');
    fs.writeFileSync(file, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('"Aproval"'));
    const character = lines[line].indexOf('Aproval');

    const t = run(['check', file]);
    assert.equal(t.code, 1);
    assert.ok(t.stdout.includes(`:${line + 1}:${character + 1}: error unknown-resource: Unknown resource 'Aproval'`), t.stdout);
    assert.match(t.stdout, /did you mean Approval\?/);

    const j = run(['check', file, '--format', 'json']);
    assert.equal(j.code, 1);
    const arr = JSON.parse(j.stdout);
    assert.deepEqual(arr, [
      {
        file: arr[0].file,
        range: { start: { line, character }, end: { line, character: character + 'Aproval'.length } },
        severity: 'error',
        code: 'unknown-resource',
        message: arr[0].message,
      },
    ]);
    assert.ok(arr[0].file.endsWith('application.bpmn'));

    const s = run(['check', file, '--format', 'sarif']);
    const sarif = JSON.parse(s.stdout);
    assert.equal(sarif.version, '2.1.0');
    const [res] = sarif.runs[0].results;
    assert.equal(res.ruleId, 'unknown-resource');
    assert.equal(res.level, 'error');
    assert.deepEqual(res.locations[0].physicalLocation.region, { startLine: line + 1, startColumn: character + 1, endLine: line + 1, endColumn: character + 8 });
    assert.ok(sarif.runs[0].tool.driver.rules.some((x: { id: string }) => x.id === 'multiplicity-needs-loop'));
  });

  it('check: model errors are reported in the model file', () => {
    const dir = tempCopy();
    const model = path.join(dir, 'resources.uml');
    fs.writeFileSync(model, fs.readFileSync(model, 'utf8').replace('name="Approval"', 'name="Decision"'));
    const r = run(['check', dir, '--format', 'json']);
    assert.equal(r.code, 1);
    const codes = JSON.parse(r.stdout).map((d: { code: string; file: string }) => `${path.basename(d.file)}:${d.code}`);
    assert.ok(codes.includes('resources.uml:duplicate-class'), codes.join());
  });

  it('usage errors: one line on stderr, exit 2, no stack trace', () => {
    const empty = tempDir('bra-empty-');
    for (const args of [['check', 'no/such/file.bpmn'], ['check'], ['check', EXAMPLE, '--bogus'], ['check', EXAMPLE, '--format', 'xml'], ['check', empty], ['frobnicate'], ['routes', 'x.bpmn']]) {
      const r = run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(r.stderr.trim().length > 0);
    }
  });

  it('routes --format json: design.md’s shape', () => {
    const r = run(['routes', 'examples/application-check/application.bpmn', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    assert.deepEqual(rows[1], {
      resource: 'Document',
      uri: '/application/{businessKey}/document/{documentId}',
      collectionUri: '/application/{businessKey}/document',
      multiplicity: '0..*',
      parent: 'Application',
      activities: [{ id: 'Activity_upload', name: 'upload document', process: 'InsuranceApplication' }],
      methods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH'],
      collectionMethods: ['GET', 'HEAD', 'OPTIONS'],
    });
    assert.deepEqual(rows[0].collectionMethods, ['GET', 'HEAD', 'OPTIONS', 'POST'], 'the root collection starts instances');
  });

  it('model --format json: design.md’s shape', () => {
    const r = run(['model', 'examples/application-check/resources.uml', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    assert.deepEqual(m.classes.find((c: { name: string }) => c.name === 'Decision'), {
      name: 'Decision',
      attributes: [
        { name: 'accepted', type: 'Boolean', multiplicity: '1', kind: 'boolean' },
        { name: 'premium', type: 'Real', multiplicity: '1', kind: 'number' },
      ],
    });
    assert.deepEqual(m.associations[0], { source: 'Application', target: 'Document', targetMultiplicity: '0..*', directed: true });
  });

  it('model discovery: bpmn-resource-api.json in a parent folder, --model, and several models beside the file', () => {
    const { root: dir, bpmn, model } = splitProject(['insurance.uml']);

    const none = run(['check', bpmn, '--format', 'json']);
    assert.equal(none.code, 1);
    assert.equal(JSON.parse(none.stdout)[0].code, 'model-not-found');

    assert.equal(run(['check', bpmn, '--model', model('insurance.uml')]).code, 0);

    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'models/insurance.uml' }));
    const viaConfig = run(['check', bpmn]);
    assert.equal(viaConfig.code, 0, viaConfig.stdout + viaConfig.stderr);

    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), '{ not json');
    const badConfig = run(['check', bpmn]);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /not valid JSON/);
  });
  it('writing to a closed pipe ends quietly (exit 0, no stack trace), as `model big.xmi | head -1`', () => {
    const dir = tempDir('bra-pipe-');
    const classes: Record<string, Record<string, string>> = {};
    for (let i = 0; i < 3000; i++) classes[`C${i}`] = { a: 'String', b: 'Integer' };
    fs.writeFileSync(path.join(dir, 'big.uml'), umlModel(classes));
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${path.join(ROOT, 'bin', 'bpmn-resource-api.js')}" model "${path.join(dir, 'big.uml')}" --format json | head -1`], { encoding: 'utf8' });
    assert.equal(r.stdout, '{\n');
    assert.equal(r.stderr, '', 'no stack trace');
    assert.equal(r.status, 0);
  });

  it('check does not load the HTTP server, the engine or the expression libraries', () => {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(ROOT, 'out', 'server', 'src', 'cli', 'index.js'))}).main(['check', ${JSON.stringify(path.join(EXAMPLE, 'application.bpmn'))}]).then(() => console.log(JSON.stringify(Object.keys(require.cache))))`], { encoding: 'utf8' });
    const loaded: string[] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const heavy of ['fastify', 'bpmn-engine', 'jexl', 'feelin', 'ajv']) {
      assert.ok(!loaded.some((m) => m.includes(`node_modules/${heavy}/`)), `${heavy} is not loaded by check`);
    }
  });

  it('the bin runs check from the one-file bundle (dist/cli-main.js): it loads no module besides itself, and says the same as the compiled CLI', () => {
    const bundle = path.join(ROOT, 'dist', 'cli-main.js');
    assert.ok(fs.existsSync(bundle), 'npm run build bundles dist/cli-main.js');
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(bundle)}).main(['check', ${JSON.stringify(path.join(EXAMPLE, 'application.bpmn'))}]).then(() => console.log(JSON.stringify(Object.keys(require.cache))))`], { encoding: 'utf8' });
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(lines.pop()!), [bundle]);
    assert.equal(lines.pop(), '0 errors, 0 warnings in 2 files');
    const dir = tempCopy();
    fs.writeFileSync(path.join(dir, 'application.bpmn'), fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8').replace('name="Approval"', 'name="Aproval"'));
    const compiled = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(ROOT, 'out', 'server', 'src', 'cli', 'index.js'))}).main(['check', 'application.bpmn', '--format', 'json']).then((c) => process.exitCode = c)`], { cwd: dir, encoding: 'utf8' });
    const viaBin = run(['check', 'application.bpmn', '--format', 'json'], dir);
    assert.equal(viaBin.code, 1);
    assert.equal(compiled.status, 1);
    assert.equal(viaBin.stdout, compiled.stdout);
  });

  it('serve refuses a BPMN file with errors and a model with errors, naming the file and the first error (exit 2)', () => {
    const dir = tempCopy();
    const bpmn = path.join(dir, 'application.bpmn');
    const model = path.join(dir, 'resources.uml');
    const modelText = fs.readFileSync(model, 'utf8');
    fs.writeFileSync(model, modelText.replace('<packagedElement xmi:type="uml:Class" xmi:id="_Approval" name="Approval">', '<packagedElement xmi:type="uml:Class" xmi:id="_Note1" name="Note"/><packagedElement xmi:type="uml:Class" xmi:id="_Note2" name="Note"/>\n  $&'));
    const dataDir = tempDir('bra-refuse-');
    let r = run(['serve', bpmn, '--port', '0', '--data-dir', dataDir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /resources\.uml has 1 error \(run 'check' for all\): duplicate-class: /);
    fs.writeFileSync(model, modelText);
    fs.writeFileSync(bpmn, fs.readFileSync(bpmn, 'utf8').replace('<linkedResource name="Approval" />', '<linkedResource name="Aproval" />'));
    r = run(['serve', bpmn, '--port', '0', '--data-dir', dataDir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /application\.bpmn has 1 error \(run 'check' for all\): unknown-resource: /);
  });

  it('serve --log-requests prints one line per answered request (the editor shows them in its output)', async function () {
    this.timeout(20000);
    const child = spawn(process.execPath, [BIN, 'serve', path.join(EXAMPLE, 'application.bpmn'), '--port', '0', '--data-dir', tempDir('bra-log-'), '--log-requests'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const waitFor = (re: RegExp) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const look = () => {
            const m = re.exec(out);
            if (m) resolve(m);
          };
          child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), look()));
          child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
          look();
        });
      const url = (await waitFor(/listening on (http:\/\/\S+)/))[1];
      assert.equal((await fetch(`${url}/application`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"businessKey":"log1"}' })).status, 201);
      assert.equal((await fetch(`${url}/application/nope`)).status, 404);
      await waitFor(/GET \/application\/nope 404 [\d.]+ ms\n/);
      assert.match(out, /^POST \/application 201 [\d.]+ ms$/m);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
