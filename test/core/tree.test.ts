import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildResourceTree, kebabCase, lowerCamel } from '../../server/src/core/resources/tree';
import { readUml } from '../../server/src/core/uml/reader';
import { readBpmn } from '../../server/src/core/bpmn/reader';
import { analyze } from '../../server/src/core/analysis';
import { routeTable } from '../../server/src/core/resources/routes';
import { EXAMPLE, umlModel } from '../helpers';

describe('resource tree and URIs', () => {
  it('kebab-case segments and lowerCamel ids', () => {
    assert.equal(kebabCase('RiskAssessment'), 'risk-assessment');
    assert.equal(kebabCase('HTTPServer'), 'http-server');
    assert.equal(kebabCase('Line Item'), 'line-item');
    assert.equal(lowerCamel('RiskAssessment'), 'riskAssessment');
    assert.equal(lowerCamel('Document'), 'document');
  });

  it('gives the paper’s URIs for the example', () => {
    const tree = buildResourceTree(readUml(fs.readFileSync(path.join(EXAMPLE, 'resources.uml'), 'utf8')));
    const uri = (n: string) => tree.resources.find((r) => r.name === n)!.uri;
    assert.equal(uri('Application'), '/application/{businessKey}');
    assert.equal(uri('Document'), '/application/{businessKey}/document/{documentId}');
    assert.equal(uri('Decision'), '/application/{businessKey}/decision');
    assert.equal(uri('Approval'), '/application/{businessKey}/decision/approval');
    assert.equal(tree.resources.find((r) => r.name === 'Document')!.collectionUri, '/application/{businessKey}/document');
    assert.equal(tree.resources.find((r) => r.name === 'Application')!.collectionUri, '/application');
  });

  it('nests 1-to-N under 1-to-N with distinct id parameters', () => {
    const tree = buildResourceTree(readUml(umlModel({ Order: {}, LineItem: {}, RiskAssessment: {} }, [['Order', 'LineItem', '1..*'], ['LineItem', 'RiskAssessment', '0..5']])));
    assert.equal(tree.resources.find((r) => r.name === 'RiskAssessment')!.uri, '/order/{businessKey}/line-item/{lineItemId}/risk-assessment/{riskAssessmentId}');
  });

  it('keeps a forest when the model has a cycle', () => {
    const tree = buildResourceTree(readUml(umlModel({ A: {}, B: {} }, [['A', 'B', '1'], ['B', 'A', '1']])));
    assert.equal(tree.cycles.length, 1);
    assert.deepEqual(tree.resources.map((r) => r.uri), ['/a/{businessKey}', '/a/{businessKey}/b']);
  });

  it('routes: the example’s resource table', () => {
    const text = fs.readFileSync(path.join(EXAMPLE, 'application.bpmn'), 'utf8');
    const model = readUml(fs.readFileSync(path.join(EXAMPLE, 'resources.uml'), 'utf8'));
    const rows = routeTable(analyze(readBpmn(text), model));
    assert.deepEqual(
      rows.map((r) => [r.resource, r.uri, r.multiplicity, r.parent, r.activities.map((a) => a.id).join()]),
      [
        ['Application', '/application/{businessKey}', '0..*', null, ''],
        ['Document', '/application/{businessKey}/document/{documentId}', '0..*', 'Application', 'Activity_upload'],
        ['Decision', '/application/{businessKey}/decision', '0..1', 'Application', 'Activity_04bi4lp'],
        ['Approval', '/application/{businessKey}/decision/approval', '0..1', 'Decision', 'Activity_approve'],
      ],
    );
  });
});
