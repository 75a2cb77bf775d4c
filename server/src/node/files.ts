import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeXml } from '../core/xml/decode';

/** File I/O and model discovery shared by the CLI, the language server and the facade. */

export const CONFIG_FILE = 'bpmn-resource-api.json';

export function isBpmnFile(p: string): boolean {
  const l = p.toLowerCase();
  return l.endsWith('.bpmn') || l.endsWith('.bpmn2') || l.endsWith('.bpmn20.xml');
}

export function isModelFile(p: string): boolean {
  const l = p.toLowerCase();
  return l.endsWith('.uml') || l.endsWith('.xmi');
}

export class UsageError extends Error {}

export interface LoadedText {
  text: string;
  unsupportedEncoding?: string;
}

export function loadXmlFile(file: string): LoadedText {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const d = decodeXml(bytes);
  return d.unsupportedEncoding ? { text: d.text, unsupportedEncoding: d.unsupportedEncoding } : { text: d.text };
}

/** Expands files and folders (recursively, skipping node_modules and dot folders) into BPMN and model files. */
export function collectFiles(inputs: string[]): { bpmn: string[]; models: string[] } {
  const bpmn: string[] = [];
  const models: string[] = [];
  const visit = (p: string, explicit: boolean) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (st.isDirectory()) {
      const entries = fs.readdirSync(p).sort();
      for (const e of entries) {
        if (e === 'node_modules' || e.startsWith('.')) continue;
        visit(path.join(p, e), false);
      }
    } else if (isBpmnFile(p)) bpmn.push(p);
    else if (isModelFile(p)) models.push(p);
    else if (explicit) throw new UsageError(`not a BPMN (.bpmn, .bpmn2, .bpmn20.xml) or UML (.uml, .xmi) file: ${p}`);
  };
  for (const i of inputs) visit(i, true);
  return { bpmn: [...new Set(bpmn)], models: [...new Set(models)] };
}

export interface ProjectConfig {
  /** absolute path of the config file */
  file: string;
  model?: string;
  engine?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The nearest bpmn-resource-api.json in the BPMN file's folder or a parent folder. */
export function findConfig(bpmnFile: string): ProjectConfig | undefined {
  let dir = path.dirname(path.resolve(bpmnFile));
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE);
    if (fs.existsSync(candidate)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      } catch (e) {
        throw new UsageError(`${candidate} is not valid JSON: ${(e as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new UsageError(`${candidate} must hold a JSON object such as {"model": "resources.uml"}`);
      }
      return { ...(parsed as Record<string, unknown>), file: candidate };
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export interface ModelLocation {
  /** absolute path, when found */
  file: string | undefined;
  /** how it was found, or why not */
  how: string;
}

/** design.md's discovery: --model, else bpmn-resource-api.json, else the single *.uml/*.xmi beside the BPMN file. */
export function findModel(bpmnFile: string, explicit?: string): ModelLocation {
  if (explicit) {
    const file = path.resolve(explicit);
    if (!fs.existsSync(file)) throw new UsageError(`model file not found: ${explicit}`);
    return { file, how: '--model' };
  }
  const config = findConfig(bpmnFile);
  if (config && typeof config.model === 'string') {
    const file = path.resolve(path.dirname(config.file), config.model);
    return fs.existsSync(file)
      ? { file, how: config.file }
      : { file: undefined, how: `${config.file} names ${config.model}, which does not exist` };
  }
  const dir = path.dirname(path.resolve(bpmnFile));
  const beside = fs.readdirSync(dir).filter((f) => isModelFile(f)).sort();
  if (beside.length === 1) return { file: path.join(dir, beside[0]), how: 'single model in folder' };
  if (beside.length > 1) return { file: undefined, how: `several models next to the file (${beside.join(', ')}); choose one in ${CONFIG_FILE}` };
  return { file: undefined, how: 'no model configured or found' };
}
