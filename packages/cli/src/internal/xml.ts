/**
 * A small strict XML 1.0 well-formedness checker and tree builder, for tests of the SVG the CLI writes (no DTDs,
 * processing instructions other than the XML declaration, or CDATA: our output uses none of them).
 * Checks: one root element, balanced and properly nested tags, quoted attributes without duplicates or `<`, only
 * the five predefined entities and character references, characters allowed by XML 1.0.
 */

/** An element of a parsed document: its name, attributes, children and text (entities decoded). */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The text directly inside it, entities decoded, concatenated. */
  readonly text: string;
}

/** XmlError says where the document is not well-formed. */
export class XmlError extends Error {
  constructor(reason: string, readonly at: number) {
    super(`not well-formed XML at offset ${at}: ${reason}`);
  }
}

const NAME_AT = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const WS_AT = /\s*/y;
/** The name starting at `i`, or null. */
function nameAt(doc: string, i: number): RegExpExecArray | null {
  NAME_AT.lastIndex = i;
  return NAME_AT.exec(doc);
}
/** The length of the white space starting at `i`. */
function wsAt(doc: string, i: number): number {
  WS_AT.lastIndex = i;
  return WS_AT.exec(doc)![0].length;
}
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decode(s: string, at: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '&') {
      out += c;
      continue;
    }
    const end = s.indexOf(';', i);
    if (end < 0) throw new XmlError('unterminated entity', at + i);
    const name = s.slice(i + 1, end);
    if (name.startsWith('#x')) {
      if (!/^#x[0-9A-Fa-f]+$/.test(name)) throw new XmlError(`bad character reference &${name};`, at + i);
      out += String.fromCodePoint(parseInt(name.slice(2), 16));
    } else if (name.startsWith('#')) {
      if (!/^#[0-9]+$/.test(name)) throw new XmlError(`bad character reference &${name};`, at + i);
      out += String.fromCodePoint(parseInt(name.slice(1), 10));
    } else if (name in ENTITIES) {
      out += ENTITIES[name];
    } else {
      throw new XmlError(`unknown entity &${name};`, at + i);
    }
    i = end;
  }
  return out;
}

/** parseXml checks that `doc` is a well-formed XML document and returns its root element; throws XmlError otherwise. */
export function parseXml(doc: string): XmlElement {
  const bad = BAD_CHAR.exec(doc);
  if (bad !== null) throw new XmlError(`character U+${bad[0].charCodeAt(0).toString(16)} is not allowed`, bad.index);
  let i = 0;
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) throw new XmlError('unterminated XML declaration', 0);
    if (!/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z0-9._-]+")?( standalone="(yes|no)")?\s*\?>$/.test(doc.slice(0, end + 2))) {
      throw new XmlError('bad XML declaration', 0);
    }
    i = end + 2;
  }
  type Open = { name: string; attributes: Record<string, string>; children: XmlElement[]; text: string };
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  const skipMisc = (): void => {
    for (;;) {
      const ws = wsAt(doc, i);
      i += ws;
      if (doc.startsWith('<!--', i)) {
        const end = doc.indexOf('-->', i + 4);
        if (end < 0) throw new XmlError('unterminated comment', i);
        if (doc.slice(i + 4, end).includes('--')) throw new XmlError('"--" inside a comment', i);
        i = end + 3;
      } else return;
    }
  };
  skipMisc();
  if (doc[i] !== '<') throw new XmlError('expected the root element', i);
  while (i < doc.length) {
    if (stack.length === 0 && root !== undefined) {
      skipMisc();
      if (i < doc.length) throw new XmlError('content after the root element', i);
      break;
    }
    if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i + 4);
      if (end < 0 || doc.slice(i + 4, end).includes('--')) throw new XmlError('bad comment', i);
      i = end + 3;
      continue;
    }
    if (doc.startsWith('<!', i) || doc.startsWith('<?', i)) throw new XmlError('DTD, CDATA and processing instructions are not expected', i);
    if (doc.startsWith('</', i)) {
      const m = nameAt(doc, i + 2);
      if (m === null) throw new XmlError('bad end tag', i);
      const top = stack.pop();
      if (top === undefined || top.name !== m[0]) throw new XmlError(`end tag </${m[0]}> does not match <${top?.name ?? '(none)'}>`, i);
      i += 2 + m[0].length;
      i += wsAt(doc, i);
      if (doc[i] !== '>') throw new XmlError('bad end tag', i);
      i++;
      const el: XmlElement = { name: top.name, attributes: top.attributes, children: top.children, text: top.text };
      if (stack.length === 0) root = el;
      else stack.at(-1)!.children.push(el);
      continue;
    }
    if (doc[i] === '<') {
      const m = nameAt(doc, i + 1);
      if (m === null) throw new XmlError('bad start tag', i);
      if (stack.length === 0 && root !== undefined) throw new XmlError('a second root element', i);
      const name = m[0];
      i += 1 + name.length;
      const attributes: Record<string, string> = {};
      for (;;) {
        const ws = wsAt(doc, i);
        i += ws;
        if (doc.startsWith('/>', i) || doc[i] === '>') break;
        if (ws === 0) throw new XmlError('attributes must be separated by white space', i);
        const a = nameAt(doc, i);
        if (a === null) throw new XmlError('bad attribute name', i);
        i += a[0].length;
        if (doc[i] !== '=') throw new XmlError(`attribute ${a[0]} has no value`, i);
        i++;
        const q = doc[i];
        if (q !== '"' && q !== "'") throw new XmlError(`attribute ${a[0]} is not quoted`, i);
        const end = doc.indexOf(q, i + 1);
        if (end < 0) throw new XmlError(`attribute ${a[0]} is not closed`, i);
        const raw = doc.slice(i + 1, end);
        if (raw.includes('<')) throw new XmlError(`"<" in attribute ${a[0]}`, i);
        if (a[0] in attributes) throw new XmlError(`duplicate attribute ${a[0]}`, i);
        attributes[a[0]] = decode(raw, i + 1);
        i = end + 1;
      }
      if (doc.startsWith('/>', i)) {
        i += 2;
        const el: XmlElement = { name, attributes, children: [], text: '' };
        if (stack.length === 0) root = el;
        else stack.at(-1)!.children.push(el);
      } else {
        i++;
        stack.push({ name, attributes, children: [], text: '' });
      }
      continue;
    }
    const next = doc.indexOf('<', i);
    const end = next < 0 ? doc.length : next;
    const raw = doc.slice(i, end);
    if (raw.includes(']]>')) throw new XmlError('"]]>" in text', i);
    if (stack.length === 0) throw new XmlError('text outside the root element', i);
    stack.at(-1)!.text += decode(raw, i);
    i = end;
  }
  if (stack.length > 0) throw new XmlError(`<${stack.at(-1)!.name}> is not closed`, doc.length);
  if (root === undefined) throw new XmlError('no root element', doc.length);
  return root;
}

/** elements lists `root` and every element under it, in document order. */
export function elements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [root];
  for (const c of root.children) out.push(...elements(c));
  return out;
}
