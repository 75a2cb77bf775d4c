import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS, CORPUS_PRESENT, ROOT, umlModel, tempDir } from '../helpers';
import { FacadeHarness } from './harness';
import { annotate } from './annotate';

const REDOCLY = path.join(ROOT, 'node_modules', '.bin', 'redocly');

/** `redocly lint` with its recommended rules on a document; returns its problems. */
function lint(doc: unknown): Array<{ severity: string; ruleId: string; message: string }> {
  const file = path.join(tempDir('bra-lint-'), 'openapi.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  const r = spawnSync(REDOCLY, ['lint', file, '--format=json', '--extends=recommended'], { encoding: 'utf8', timeout: 60000 });
  const out = JSON.parse(r.stdout) as { problems: Array<{ severity: string; ruleId: string; message: string }> };
  return out.problems;
}

/** The one warning left, and why (README): the generated API's license is the user's to choose. */
const ALLOWED_WARNINGS = ['info-license'];

function assertClean(problems: ReturnType<typeof lint>): void {
  assert.deepEqual(problems.filter((p) => p.severity === 'error'), [], JSON.stringify(problems, null, 1));
  assert.deepEqual(problems.filter((p) => !ALLOWED_WARNINGS.includes(p.ruleId)), []);
}

describe('OpenAPI as redocly lint (recommended rules) sees it', function () {
  this.timeout(60000);

  for (const token of [undefined, 'secret']) {
    it(`the example's /openapi.json ${token ? 'with' : 'without'} a token: no error`, async () => {
      const h = new FacadeHarness({ token });
      await h.start();
      try {
        const doc = (await h.req('GET', '/openapi.json')).body;
        assertClean(lint(doc));
        const ops = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((p) => Object.entries(p).filter(([k]) => k !== 'parameters').map(([, o]) => o));
        for (const o of ops) {
          assert.deepEqual(o.security, token ? [{ bearer: [] }] : [], o.operationId);
          assert.ok(o.tags?.length === 1, o.operationId);
          assert.ok(o.responses['403'], `${o.operationId} declares 403`);
          assert.equal(Boolean(o.responses['401']), Boolean(token), `${o.operationId} 401 only with a token`);
        }
        assert.deepEqual(doc.servers, [{ url: '/', description: 'this server' }]);
        assert.match(doc.tags.find((t: { name: string }) => t.name === 'Decision').description, /^The underwriter's decision on the application/, 'the class documentation of the model');
        assert.ok(doc.paths['/application/{businessKey}/decision'].put.responses['422'], 'a write the process cannot take is declared');
      } finally {
        await h.stop();
      }
    });
  }

  it('a real model (Flowable loan, annotated) gives a clean document too', async function () {
    if (!CORPUS_PRESENT) this.skip(); // CI has ../shared
    const dir = tempDir('bra-lint-loan-');
    const src = fs.readFileSync(path.join(CORPUS, 'bpmn', 'flowable-examples-loan.bpmn'), 'utf8');
    const id = (prefix: string) => /id="(sid-[^"]*)"/g.exec(src.slice(src.indexOf(`id="sid-${prefix}`) - 4))![1];
    fs.writeFileSync(path.join(dir, 'loan.bpmn'), annotate(src, { loan: 'Loan', [id('9C9AE870')]: 'LoanReview' }));
    fs.writeFileSync(path.join(dir, 'resources.uml'), umlModel({ Loan: { amount: 'Integer' }, LoanReview: { form_loanreview_outcome: 'String' } }, [['Loan', 'LoanReview', '0..1']]));
    const h = new FacadeHarness({ bpmnFile: dir });
    await h.start();
    try {
      assertClean(lint((await h.req('GET', '/openapi.json')).body));
    } finally {
      await h.stop();
    }
  });
});
