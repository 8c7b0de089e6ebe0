import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { XmlWriter } from './xml-writer.ts';

test('text and attribute values are escaped, so any text reads back as written', () => {
  const nasty = 'a < b && c > "d" \'e\'\ttab\nline</note><x>';
  const xml = new XmlWriter().start('doc', { title: nasty }).leaf('note', nasty).empty('link', { href: 'x?a=1&b="2"' }).end().text();
  const doc = new XMLParser({ ignoreAttributes: false, trimValues: false, parseTagValue: false, htmlEntities: true }).parse(xml) as
    { doc: { '@_title': string; note: string; link: { '@_href': string } } };
  assert.equal(doc.doc.note, nasty);
  assert.equal(doc.doc['@_title'], nasty);
  assert.equal(doc.doc.link['@_href'], 'x?a=1&b="2"');
});

test('a document with an element left open, or one closed twice, is refused', () => {
  assert.throws(() => new XmlWriter().start('a').start('b').end().text(), /a still open/);
  assert.throws(() => new XmlWriter().start('a').end().end(), /no element open/);
});
