/**
 * Turns the bytes of an XML file into text: BOM (UTF-8, UTF-16 LE/BE), else the encoding named in the
 * XML declaration (UTF-8 by default). The BOM is dropped so that positions match what editors show.
 */
export interface DecodedXml {
  text: string;
  encoding: string;
  /** set when the declared encoding is unknown; the text was then read as UTF-8 */
  unsupportedEncoding?: string;
}

const ALIASES: Record<string, string> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'us-ascii': 'utf-8',
  ascii: 'utf-8',
  'iso-8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'iso-8859-15': 'iso-8859-15',
  'utf-16': 'utf-16le',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
};

export function decodeXml(bytes: Uint8Array): DecodedXml {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  }
  // The declaration is ASCII in every encoding we read; look at the first bytes only.
  const head = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 200)));
  const m = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  const declared = m ? m[1].toLowerCase() : 'utf-8';
  const label = ALIASES[declared];
  if (!label) {
    return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8', unsupportedEncoding: m![1] };
  }
  return { text: new TextDecoder(label).decode(bytes), encoding: label };
}

/**
 * The declared encoding of a text that was already decoded (an editor's buffer): an unknown one is
 * reported as the CLI reports it for a file, at the declaration's value.
 */
export function unsupportedDeclaredEncoding(text: string): { name: string; span: { start: number; end: number } } | undefined {
  const m = /^(\uFEFF?<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)["']/.exec(text.slice(0, 200));
  if (!m || ALIASES[m[2].toLowerCase()]) return undefined;
  return { name: m[2], span: { start: m[1].length, end: m[1].length + m[2].length } };
}
