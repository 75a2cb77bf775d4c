import { strict as assert } from 'node:assert';
import { decodeXml } from '../../server/src/core/xml/decode';

describe('decodeXml', () => {
  it('drops a UTF-8 BOM so positions match the editor', () => {
    const d = decodeXml(Buffer.from('\uFEFF<r/>', 'utf8'));
    assert.equal(d.text, '<r/>');
  });
  it('reads ISO-8859-1 as declared', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r a="'), Buffer.from([0xe9]), Buffer.from('"/>')]);
    assert.match(decodeXml(bytes).text, /a="é"/);
  });
  it('reads UTF-16 LE with BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<r>ü</r>', 'utf16le')]);
    assert.equal(decodeXml(bytes).text, '<r>ü</r>');
  });
  it('reads an unknown encoding as UTF-8 and says so', () => {
    const d = decodeXml(Buffer.from('<?xml version="1.0" encoding="EBCDIC-XYZ"?><r/>'));
    assert.equal(d.unsupportedEncoding, 'EBCDIC-XYZ');
    assert.match(d.text, /<r\/>/);
  });
});
