import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DocumentSymbol, Location, SymbolInformation } from 'vscode-languageserver';
import { LineIndex } from '../../server/src/core/xml/positions';
import { copyExample, tempDir } from '../helpers';
import { fileUri, LspClient } from './harness';

describe('language server: document and workspace symbols (Outline, breadcrumbs, go to symbol)', function () {
  this.timeout(20000);
  let client: LspClient;
  let dir: string;
  beforeEach(async () => {
    dir = copyExample(tempDir('bra-symbols-'));
    client = new LspClient();
    const init = (await client.initialize(dir)) as { capabilities: Record<string, unknown> };
    assert.ok(init.capabilities.documentSymbolProvider && init.capabilities.workspaceSymbolProvider);
  });
  afterEach(() => client.stop());

  it('the Outline: the process, its activities (subprocess nesting its task), each with its resource and URI', async () => {
    const uri = fileUri(path.join(dir, 'application.bpmn'));
    const text = fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8');
    await client.open(uri, text);
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.equal(symbols.length, 1);
    const p = symbols[0];
    assert.equal(p.name, 'insurance application');
    assert.equal(p.detail, 'Application /application/{businessKey}');
    const shape = (s: DocumentSymbol): unknown => [s.name, s.detail, ...(s.children?.length ? [s.children.map(shape)] : [])];
    assert.deepEqual(p.children!.map(shape), [
      ['collect documents', 'subProcess', [['upload document', 'Document /application/{businessKey}/document/{documentId}']]],
      ['evaluate application', 'Decision /application/{businessKey}/decision'],
      ['approve decision', 'Approval /application/{businessKey}/decision/approval'],
    ]);
    const idx = new LineIndex(text);
    const at = text.indexOf('<bpmn:userTask id="Activity_04bi4lp"');
    assert.deepEqual(p.children![1].selectionRange.start, idx.position(at), 'the selection is the start tag');
  });

  it('workspace symbols find processes, activities and resources by name, in files not open', async () => {
    const found = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'decision' });
    const names = found.map((s) => s.name).sort();
    assert.deepEqual(names, ['Approval /application/{businessKey}/decision/approval', 'Decision /application/{businessKey}/decision', 'approve decision']);
    assert.ok(found.every((s) => s.location.uri === fileUri(path.join(dir, 'application.bpmn'))));
    assert.equal(found.find((s) => s.name === 'approve decision')!.containerName, 'insurance application');
  });
});

describe('language server: the resource tree request behind the "Resource API" view (bpmnResourceApi/resourceTree)', function () {
  this.timeout(20000);
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = copyExample(tempDir('bra-tree-'));
    client = new LspClient();
    await client.initialize(dir);
  });
  after(() => client.stop());

  type Node = { name: string; uri: string; collectionUri?: string; multiplicity: string; methods: string[]; collectionMethods?: string[]; classLocation?: Location; activities: Array<{ id: string; name: string | null; location: Location }>; children: Node[] };

  it('answers the workspace’s processes with their resource trees, methods, linked activities and the class’s place in the model, files not open', async () => {
    const tree = await client.request<Array<{ name: string; id: string; location: Location; root: Node }>>('bpmnResourceApi/resourceTree', {});
    assert.equal(tree.length, 1);
    const [p] = tree;
    assert.equal(p.name, 'insurance application');
    assert.equal(p.location.uri, fileUri(path.join(dir, 'application.bpmn')));
    const shape = (n: Node): unknown => [n.name, n.uri, n.multiplicity, n.methods.join(','), n.collectionMethods?.join(',') ?? '-', n.activities.map((a) => a.name).join(','), n.children.map(shape)];
    assert.deepEqual(shape(p.root), [
      'Application', '/application/{businessKey}', '0..*', 'GET,HEAD,OPTIONS,DELETE', 'GET,HEAD,OPTIONS,POST', '',
      [
        ['Document', '/application/{businessKey}/document/{documentId}', '0..*', 'GET,HEAD,OPTIONS,PUT,PATCH', 'GET,HEAD,OPTIONS', 'upload document', []],
        ['Decision', '/application/{businessKey}/decision', '0..1', 'GET,HEAD,OPTIONS,PUT,PATCH', '-', 'evaluate application',
          [['Approval', '/application/{businessKey}/decision/approval', '0..1', 'GET,HEAD,OPTIONS,PUT,PATCH', '-', 'approve decision', []]]],
      ],
    ]);
    // A click goes to the class (its name in the model) and to the activity (its start tag).
    const model = fs.readFileSync(path.join(dir, 'resources.uml'), 'utf8');
    const decision = p.root.children[1];
    assert.equal(decision.classLocation!.uri, fileUri(path.join(dir, 'resources.uml')));
    const at = new LineIndex(model).position(model.indexOf('name="Decision"', model.indexOf('xmi:id="_Decision"')) + 6);
    assert.deepEqual(decision.classLocation!.range.start, at);
    const bpmn = fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8');
    assert.deepEqual(decision.activities[0].location.range.start, new LineIndex(bpmn).position(bpmn.indexOf('<bpmn:userTask id="Activity_04bi4lp"')));
  });

  it('follows an edit of the open BPMN file', async () => {
    const uri = fileUri(path.join(dir, 'application.bpmn'));
    const text = fs.readFileSync(path.join(dir, 'application.bpmn'), 'utf8');
    await client.open(uri, text.replace('<linkedResource name="Approval" />', ''));
    const tree = await client.request<Array<{ root: Node }>>('bpmnResourceApi/resourceTree', {});
    const approval = tree[0].root.children[1].children[0];
    assert.equal(approval.name, 'Approval');
    assert.deepEqual(approval.methods, ['GET', 'HEAD', 'OPTIONS'], 'no activity linked: read-only');
    assert.deepEqual(approval.activities, []);
  });

  it('bpmnResourceApi/modelOf names the model a BPMN file uses (the client checks its problems before starting the API), null when none', async () => {
    const uri = fileUri(path.join(dir, 'application.bpmn'));
    assert.equal(await client.request<string | null>('bpmnResourceApi/modelOf', { uri }), fileUri(path.join(dir, 'resources.uml')));
    const alone = tempDir('bra-alone-');
    fs.copyFileSync(path.join(dir, 'application.bpmn'), path.join(alone, 'application.bpmn'));
    assert.equal(await client.request<string | null>('bpmnResourceApi/modelOf', { uri: fileUri(path.join(alone, 'application.bpmn')) }), null);
  });
});
