// A forward-only XML writer for the exports: elements, attributes and escaped text appended to one
// list of strings, indented two spaces a level. The Green Button feed of one meter-month is ~12 000
// interval readings, ~80 000 elements; a DOM builder (xmlbuilder2, measured: 2.3 s for one
// meter-month, on the API's event loop) spends its time on a tree that is only ever serialised once.
// Names are our own constants; only text and attribute values come from data, and both are escaped
// (XML 1.0 §2.4, §3.3.3).

const escapeText = (text: string): string => text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
const attributeEscapes: Readonly<Record<string, string>> =
  { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
const escapeAttribute = (text: string): string => text.replace(/[&<>"\t\n\r]/g, (c) => attributeEscapes[c] ?? c);

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
