import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers';

/**
 * The workspace the extension's real-VS-Code suite opens (both runners: code-server here, VS Code desktop with
 * `npm run test:vscode`): a copy of the example with one deliberate mistake for the diagnostics, hover and
 * quick-fix tests. Returns its path.
 */
export function prepareWorkspace(base: string): string {
  const ws = path.join(base, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  for (const f of fs.readdirSync(path.join(ROOT, 'examples', 'application-check'))) {
    fs.copyFileSync(path.join(ROOT, 'examples', 'application-check', f), path.join(ws, f));
  }
  const bpmn = path.join(ws, 'application.bpmn');
  fs.writeFileSync(bpmn, fs.readFileSync(bpmn, 'utf8').replace('<linkedResource name="Approval" />', '<linkedResource name="Aproval" />'));
  return ws;
}
