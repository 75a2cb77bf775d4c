import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyExample, ROOT, tempDir } from '../helpers';

const CLI = path.join(ROOT, 'bin', 'bpmn-resource-api.js');
const MULTITOOL = path.join(ROOT, 'node_modules', '.bin', 'sarif-multitool');

/** Runs the SARIF SDK's own validator (`sarif-multitool validate`) and returns what it reports. */
function validate(sarifFile: string): Array<{ level: string; ruleId: string; args: unknown }> {
  const out = `${sarifFile}.validation.sarif`;
  const r = spawnSync(MULTITOOL, ['validate', sarifFile, '--output', out, '--log', 'ForceOverwrite'], { encoding: 'utf8', timeout: 120000 });
  assert.ok(fs.existsSync(out), `the validator wrote no report: ${r.stdout}${r.stderr}`);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as { runs: Array<{ results?: Array<{ level?: string; ruleId: string; message: { arguments?: unknown } }> }> };
  return report.runs.flatMap((run) => (run.results ?? []).map((x) => ({ level: x.level ?? 'warning', ruleId: x.ruleId, args: x.message.arguments })));
}

describe('check --format sarif as the SARIF SDK validator sees it', function () {
  this.timeout(120000);
  let base: string;
  let folder: string;
  before(() => {
    base = tempDir('bra-sarif-');
    folder = path.join(base, 'prüf dir');
    fs.mkdirSync(folder);
    copyExample(folder);
    // one finding, so results carry locations
    const bpmn = path.join(folder, 'application.bpmn');
    fs.writeFileSync(bpmn, fs.readFileSync(bpmn, 'utf8').replace('name="Approval"', 'name="Aproval"'));
  });

  for (const form of ['relative', 'absolute'] as const) {
    it(`a folder with a space and a non-ASCII letter, given ${form}: valid URIs, no error from the validator`, () => {
      // From the folder above, a relative path; from elsewhere, an absolute one.
      const cwd = form === 'relative' ? base : tempDir('bra-elsewhere-');
      const arg = form === 'relative' ? 'prüf dir' : folder;
      const r = spawnSync(process.execPath, [CLI, 'check', arg, '--format', 'sarif'], { cwd, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      const file = path.join(base, `${form}.sarif`);
      fs.writeFileSync(file, r.stdout);
      const sarif = JSON.parse(r.stdout);
      const loc = sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation;
      if (form === 'relative') {
        assert.deepEqual(loc, { uri: 'pr%C3%BCf%20dir/application.bpmn', uriBaseId: '%SRCROOT%' });
        assert.equal(sarif.runs[0].originalUriBaseIds['%SRCROOT%'].uri, new URL(`file://${base}/`).href);
      } else {
        assert.equal(loc.uri, new URL(`file://${folder}/application.bpmn`).href);
        assert.match(loc.uri, /^file:\/\/\/.*pr%C3%BCf%20dir\/application\.bpmn$/);
      }
      assert.match(sarif.runs[0].tool.driver.informationUri, /^file:\/\/\/.*README\.md$/);
      const findings = validate(file);
      assert.deepEqual(findings.filter((f) => f.level === 'error'), [], JSON.stringify(findings));
      assert.deepEqual(findings, [], 'no warnings either');
    });
  }

  it('the validator is a real judge: a raw path as the URI (what check wrote before) is an error (SARIF1002)', () => {
    const good = JSON.parse(fs.readFileSync(path.join(base, 'relative.sarif'), 'utf8'));
    good.runs[0].results[0].locations[0].physicalLocation.artifactLocation = { uri: 'prüf dir/application.bpmn' };
    const file = path.join(base, 'raw.sarif');
    fs.writeFileSync(file, JSON.stringify(good));
    assert.ok(validate(file).some((f) => f.level === 'error' && f.ruleId === 'SARIF1002'));
  });
});
