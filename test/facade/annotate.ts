import { attrValue, scanXml, type XmlElement } from '../../server/src/core/xml/scanner';

/** Inserts `<linkedResource name>` into the extensionElements of the given elements (creating them where missing). */
export function annotate(xml: string, links: Record<string, string>): string {
  const doc = scanXml(xml);
  const edits: Array<{ at: number; end?: number; text: string }> = [];
  const visit = (el: XmlElement) => {
    const id = attrValue(el, 'id');
    if (id && links[id]) {
      const p = el.prefix ? `${el.prefix}:` : '';
      const tag = `<linkedResource name="${links[id]}" />`;
      const ext = el.children.find((c) => c.local === 'extensionElements');
      if (ext) edits.push({ at: ext.startTagEnd, text: tag });
      else if (xml.slice(el.start, el.startTagEnd).endsWith('/>')) edits.push({ at: el.startTagEnd - 2, end: el.startTagEnd, text: `><${p}extensionElements>${tag}</${p}extensionElements></${el.name}>` });
      else edits.push({ at: el.startTagEnd, text: `<${p}extensionElements>${tag}</${p}extensionElements>` });
    }
    el.children.forEach(visit);
  };
  if (doc.root) visit(doc.root);
  const missing = Object.keys(links).filter((id) => !xml.includes(`id="${id}"`));
  if (missing.length) throw new Error(`no elements ${missing.join(', ')}`);
  let out = xml;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end ?? e.at);
  return out;
}
