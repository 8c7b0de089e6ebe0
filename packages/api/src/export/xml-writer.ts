// A forward-only XML writer for the exports: elements, attributes and escaped text appended to one
// list of strings, indented two spaces a level. The Green Button feed of one meter-month is ~12 000
// interval readings, ~80 000 elements; a DOM builder (xmlbuilder2, measured: 2.3 s for one
// meter-month, on the API's event loop) spends its time on a tree that is only ever serialised once.
// Names are our own constants; only text and attribute values come from data, and both are escaped
// (XML 1.0 §2.4, §3.3.3). A character XML 1.0 has no place for (§2.2 Char: controls other than tab, LF
// and CR, U+FFFE, U+FFFF, a lone surrogate), which a tariff's description may hold, cannot be escaped
// either (&#0; is as invalid as the byte): it is written as U+FFFD, so the document stays well-formed.

/** Not an XML 1.0 Char: with the u flag a lone surrogate is one code point outside every range. */
const notXmlChar = '[^\\t\\n\\r\\u0020-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]';
const hasNotXmlChar = new RegExp(notXmlChar, 'u'); // not global: a global regexp's test() keeps its lastIndex between strings
const everyNotXmlChar = new RegExp(notXmlChar, 'gu');
const xmlChars = (text: string): string => (hasNotXmlChar.test(text) ? text.replace(everyNotXmlChar, '\uFFFD') : text);
const escapeText = (text: string): string =>
  xmlChars(text).replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
const attributeEscapes: Readonly<Record<string, string>> =
  { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
const escapeAttribute = (text: string): string => xmlChars(text).replace(/[&<>"\t\n\r]/g, (c) => attributeEscapes[c] ?? c);

export class XmlWriter {
  #out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  readonly #open: string[] = [];

  #tag(name: string, attributes: Readonly<Record<string, string>>): string {
    let tag = `<${name}`;
    for (const [key, value] of Object.entries(attributes)) tag += ` ${key}="${escapeAttribute(value)}"`;
    return tag;
  }

  /** Opens an element; close it with end(). */
  start(name: string, attributes: Readonly<Record<string, string>> = {}): this {
    this.#out += `${'  '.repeat(this.#open.length)}${this.#tag(name, attributes)}>\n`;
    this.#open.push(name);
    return this;
  }

  /** An element holding only text. */
  leaf(name: string, text: string | number, attributes: Readonly<Record<string, string>> = {}): this {
    this.#out += `${'  '.repeat(this.#open.length)}${this.#tag(name, attributes)}>${escapeText(String(text))}</${name}>\n`;
    return this;
  }

  /** An element with attributes only. */
  empty(name: string, attributes: Readonly<Record<string, string>>): this {
    this.#out += `${'  '.repeat(this.#open.length)}${this.#tag(name, attributes)}/>\n`;
    return this;
  }

  /** Closes the innermost open element. */
  end(): this {
    const name = this.#open.pop();
    if (name === undefined) throw new Error('XmlWriter.end() with no element open');
    this.#out += `${'  '.repeat(this.#open.length)}</${name}>\n`;
    return this;
  }

  /** The document; every element must be closed. */
  text(): string {
    if (this.#open.length > 0) throw new Error(`XmlWriter.text() with ${this.#open.join(' > ')} still open`);
    return this.#out;
  }
}
