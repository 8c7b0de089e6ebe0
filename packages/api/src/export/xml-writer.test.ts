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

test('a character XML 1.0 has no place for (NUL, a control, U+FFFE, a lone surrogate) is written as U+FFFD, so the document parses', () => {
  const hostile = 'a\u0000b\u0007c\uFFFEd\uD800e\u{1F600}f\u0085\u2028g';
  const xml = new XmlWriter().start('doc', { title: hostile }).leaf('note', hostile).leaf('plain', 'fine').end().text();
  assert.equal(xml.match(/\uFFFD/g)?.length, 8, 'four replaced in the text, four in the attribute');
  assert.ok(!Array.from(xml).some((c) => (c < ' ' && !'\t\n\r'.includes(c)) || c === '\uFFFE'), 'no control character is left');
  const doc = new XMLParser({ ignoreAttributes: false, trimValues: false, parseTagValue: false }).parse(xml) as
    { doc: { '@_title': string; note: string; plain: string } };
  assert.equal(doc.doc.note, 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\u{1F600}f\u0085\u2028g', 'an emoji, NEL and LINE SEPARATOR are XML characters');
  assert.equal(doc.doc.plain, 'fine');
});
