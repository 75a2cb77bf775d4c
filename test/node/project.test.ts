import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagnosticsOf } from '../../server/src/core/check';
import { UsageError } from '../../server/src/node/files';
import { ProjectLoader, diskText, type TextSource } from '../../server/src/node/project';
import { bpmnFile, copyExample, link, tempDir } from '../helpers';

/** The example copied to a temporary folder (the tests write config files beside it). */
function exampleCopy(): { dir: string; bpmn: string; model: string } {
  const dir = copyExample(tempDir('bra-project-'));
  return { dir, bpmn: path.join(dir, 'application.bpmn'), model: path.join(dir, 'resources.uml') };
}

/** An editor's view: buffers over the disk, as the language server gives the loader. */
function buffers(): TextSource & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return { files, read: (file) => files.get(file) ?? diskText.read(file) };
}

const codes = (p: { analysis: Parameters<typeof diagnosticsOf>[0] }) => diagnosticsOf(p.analysis).map((d) => d.code);

describe('project loader (node/project.ts): one loader for the CLI, the facade and the language server', () => {
  it('reads the model from the text source: an unsaved model buffer decides the BPMN file\'s diagnostics', () => {
    const { bpmn, model } = exampleCopy();
    const source = buffers();
    const loader = new ProjectLoader({ source });
    assert.deepEqual(codes(loader.analyze(bpmn, loader.text(bpmn))), []);
    source.files.set(model, fs.readFileSync(model, 'utf8').replace('name="Approval"', 'name="Consent"'));
    // kept until the editor says the model changed
    assert.deepEqual(codes(loader.analyze(bpmn, loader.text(bpmn))), []);
    loader.forgetModel(model);
    const p = loader.analyze(bpmn, loader.text(bpmn));
    assert.deepEqual(codes(p), ['unknown-resource']);
    const d = diagnosticsOf(p.analysis)[0];
    assert.equal(p.text.slice(d.span.start, d.span.end), 'Approval');
    assert.equal(p.model?.text, source.files.get(model), 'the model is the buffer, not the file');
  });

  it('the BPMN text is what the caller hands it (the open buffer), the project around it from the source', () => {
    const { bpmn } = exampleCopy();
    const loader = new ProjectLoader();
    const edited = fs.readFileSync(bpmn, 'utf8').replace('<linkedResource name="Approval" />', '<linkedResource name="Aproval" />');
    const p = loader.analyze(bpmn, edited);
    assert.deepEqual(codes(p), ['unknown-resource']);
    assert.equal(p.location.how, 'single model in folder');
  });

  it('model choice and settings: read afresh per project (CLI), or kept until forgetChoices (editor)', () => {
    const { dir, bpmn } = exampleCopy();
    const once = new ProjectLoader();
    const kept = new ProjectLoader({ cacheChoices: true });
    for (const l of [once, kept]) assert.deepEqual(codes(l.analyze(bpmn, l.text(bpmn))), []);
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), JSON.stringify({ model: 'resources.uml', rules: { 'process-not-linked': 'error' } }));
    const unlinked = bpmnFile(`<bpmn:userTask id="T">${link('Decision')}</bpmn:userTask>`);
    assert.deepEqual(codes(once.analyze(bpmn, unlinked)), ['process-not-linked']);
    assert.equal(diagnosticsOf(once.analyze(bpmn, unlinked).analysis)[0].severity, 'error');
    assert.equal(diagnosticsOf(kept.analyze(bpmn, unlinked).analysis)[0].severity, 'warning', 'the editor keeps what it read until told');
    kept.forgetChoices();
    assert.equal(diagnosticsOf(kept.analyze(bpmn, unlinked).analysis)[0].severity, 'error');
  });

  it('a broken bpmn-resource-api.json: a usage error for the CLI; model-not-found and a config problem in the editor', () => {
    const { dir, bpmn } = exampleCopy();
    fs.writeFileSync(path.join(dir, 'bpmn-resource-api.json'), '{ "model": ');
    const cli = new ProjectLoader();
    assert.throws(() => cli.analyze(bpmn, cli.text(bpmn)), (e: unknown) => e instanceof UsageError && /bpmn-resource-api\.json/.test((e as Error).message));
    const editor = new ProjectLoader({ tolerant: true });
    const p = editor.analyze(bpmn, editor.text(bpmn));
    assert.equal(p.model, undefined);
    assert.match(p.location.how, /bpmn-resource-api\.json/);
    assert.ok(codes(p).includes('model-not-found'), codes(p).join());
    assert.equal(p.settings.problems.length, 1);
    assert.match(p.settings.problems[0], /bpmn-resource-api\.json/);
  });

  it('asks for the files around only when the BPMN file calls out of itself', () => {
    const { bpmn } = exampleCopy();
    const loader = new ProjectLoader();
    let asked = 0;
    const surroundings = {
      around: () => {
        asked++;
        return { processIds: ['Review'], callers: [] };
      },
    };
    assert.deepEqual(codes(loader.analyze(bpmn, loader.text(bpmn), { surroundings })), []);
    assert.equal(asked, 0, 'a file that calls nothing reads nothing more');
    const calling = bpmnFile('<bpmn:callActivity id="C" calledElement="Review" /><bpmn:callActivity id="D" calledElement="Missing" />');
    const p = loader.analyze(bpmn, calling, { surroundings });
    assert.equal(asked, 1);
    const unknown = diagnosticsOf(p.analysis).filter((d) => d.code === 'unknown-called-element');
    assert.deepEqual(unknown.map((d) => calling.slice(d.span.start, d.span.end)), ['Missing'], 'Review is a process of the files around');
  });

  it('a missing BPMN file is a usage error naming it; a missing model file is no model', () => {
    const loader = new ProjectLoader();
    const missing = path.join(os.tmpdir(), 'bra-no-such-dir', 'x.bpmn');
    assert.throws(() => loader.text(missing), /cannot read .*x\.bpmn: ENOENT/);
    assert.equal(loader.model(path.join(os.tmpdir(), 'bra-no-such-dir', 'x.uml')), undefined);
  });
});
