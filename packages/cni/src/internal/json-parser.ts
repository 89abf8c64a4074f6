/**
 * A strict JSON parser (RFC 8259, as Go's encoding/json reads it) that reports where it failed (offset, line,
 * column and the JSON path it was in), recognizes unfilled template placeholders, bounds nesting depth, and
 * cannot pollute prototypes: a `__proto__` key becomes an ordinary own property, as with `JSON.parse`.
 * Objects and arrays it returns are frozen.
 */
import { type PathSegment } from './json-path.js';
import { templateAt, templateIn } from './templates.js';

/** A JSON value as the parser returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

/** A JSON object as the parser returns it: frozen, with only own properties meaningful. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** JsonFailure is why a parse failed; callers turn it into a CniConfigError. */
export interface JsonFailure {
  readonly kind: 'syntax' | 'template' | 'depth';
  readonly reason: string;
  readonly offset: number;
  readonly path: readonly PathSegment[];
  readonly template?: string;
}

/** A placeholder found inside a string value. */
export interface TemplateHit {
  readonly token: string;
  readonly offset: number;
  readonly path: readonly PathSegment[];
}

/** The result of {@link parseJson}. */
export interface JsonParseResult {
  readonly value: JsonValue;
  /** The first string value holding a template placeholder, in document order. */
  readonly template: TemplateHit | undefined;
  /** How many string values hold placeholders. */
  readonly templates: number;
}

class Failure extends Error {
  constructor(readonly failure: JsonFailure) {
    super(failure.reason);
  }
}

function describe(s: string, i: number): string {
  if (i >= s.length) return 'end of input';
  const c = s.codePointAt(i)!;
  if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xfeff) return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(String.fromCodePoint(c));
}

class Parser {
  i = 0;
  depth = 0;
  readonly path: PathSegment[] = [];
  template: TemplateHit | undefined;
  templates = 0;
  found = -1;

  constructor(
    readonly s: string,
    readonly maxDepth: number,
    readonly target: readonly PathSegment[] | undefined,
  ) {}

  fail(reason: string, at = this.i): never {
    const t = templateAt(this.s, at);
    if (t !== undefined) {
      throw new Failure({ kind: 'template', reason: `unfilled template placeholder ${JSON.stringify(t)}`, offset: at, path: [...this.path], template: t });
    }
    throw new Failure({ kind: 'syntax', reason, offset: at, path: [...this.path] });
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  atTarget(): boolean {
    const t = this.target!;
    const p = this.path;
    if (t.length !== p.length) return false;
    for (let k = 0; k < t.length; k++) if (t[k] !== p[k]) return false;
    return true;
  }

  value(): JsonValue {
    this.ws();
    if (this.target !== undefined && this.found < 0 && this.atTarget()) this.found = this.i;
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case 123:
        if (s.charCodeAt(this.i + 1) === 123) this.fail('unexpected "{" where a value was expected');
        return this.object();
      case 91:
        return this.array();
      case 34:
        return this.string(true);
      case 116:
        return this.literal('true', true);
      case 102:
        return this.literal('false', false);
      case 110:
        return this.literal('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        return this.unexpectedValue();
    }
  }

  unexpectedValue(): never {
    const s = this.s;
    const i = this.i;
    if (i >= s.length) this.fail('unexpected end of input');
    const c = s.charCodeAt(i);
    if (c === 0xfeff && i === 0) this.fail("input starts with a byte order mark (U+FEFF), which Go's encoding/json rejects");
    if (c === 47 && (s.charCodeAt(i + 1) === 47 || s.charCodeAt(i + 1) === 42)) this.fail('comments are not allowed in JSON');
    if (c === 39) this.fail('strings must be in double quotes, not single quotes');
    if (c === 125 || c === 93) this.fail(`unexpected ${describe(s, i)} where a value was expected (trailing comma?)`);
    this.fail(`unexpected ${describe(s, i)} where a value was expected`);
  }

  literal<T extends JsonValue>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.i)) this.unexpectedValue();
    this.i += word.length;
    return v;
  }

  enter(): void {
    if (++this.depth > this.maxDepth) {
      throw new Failure({ kind: 'depth', reason: `nesting deeper than ${this.maxDepth} levels`, offset: this.i, path: [...this.path] });
    }
  }

  object(): JsonObject {
    this.enter();
    const s = this.s;
    const o: Record<string, JsonValue> = {};
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 125) {
      this.i++;
      this.depth--;
      return Object.freeze(o);
    }
    const top = this.path.length;
    this.path.push('');
    for (;;) {
      this.ws();
      if (s.charCodeAt(this.i) !== 34) {
        const c = s.charCodeAt(this.i);
        if (c === 125) this.fail('trailing comma before "}"');
        if (c === 39) this.fail('object keys must be in double quotes, not single quotes');
        if (c === 47 && (s.charCodeAt(this.i + 1) === 47 || s.charCodeAt(this.i + 1) === 42)) this.fail('comments are not allowed in JSON');
        if (this.i >= s.length) this.fail('unexpected end of input');
        this.fail(`expected a string key, found ${describe(s, this.i)}`);
      }
      const key = this.string(false);
      this.ws();
      if (s.charCodeAt(this.i) !== 58) {
        if (this.i >= s.length) this.fail('unexpected end of input');
        this.fail(`expected ":" after object key, found ${describe(s, this.i)}`);
      }
      this.i++;
      this.path[top] = key;
      const v = this.value();
      if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
      else o[key] = v;
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        continue;
      }
      if (c === 125) {
        this.i++;
        break;
      }
      this.path.length = top;
      if (this.i >= s.length) this.fail('unexpected end of input');
      this.fail(`expected "," or "}" after object member, found ${describe(s, this.i)}`);
    }
    this.path.length = top;
    this.depth--;
    return Object.freeze(o);
  }

  array(): readonly JsonValue[] {
    this.enter();
    const s = this.s;
    const a: JsonValue[] = [];
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 93) {
      this.i++;
      this.depth--;
      return Object.freeze(a);
    }
    const top = this.path.length;
    this.path.push(0);
    for (;;) {
      this.path[top] = a.length;
      a.push(this.value());
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.ws();
        if (s.charCodeAt(this.i) === 93) this.fail('trailing comma before "]"');
        continue;
      }
      if (c === 93) {
        this.i++;
        break;
      }
      this.path.length = top;
      if (this.i >= s.length) this.fail('unexpected end of input');
      this.fail(`expected "," or "]" after array element, found ${describe(s, this.i)}`);
    }
    this.path.length = top;
    this.depth--;
    return Object.freeze(a);
  }

  string(isValue: boolean): string {
    const s = this.s;
    const start = ++this.i;
    let i = start;
    let out: string | undefined;
    let chunk = start;
    for (;;) {
      if (i >= s.length) this.fail('unterminated string', start - 1);
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c < 0x20) this.fail(`control character ${describe(s, i)} in string (escape it)`, i);
      if (c !== 92) {
        i++;
        continue;
      }
      out = (out ?? '') + s.slice(chunk, i);
      const e = s.charCodeAt(i + 1);
      switch (e) {
        case 34: out += '"'; break;
        case 92: out += '\\'; break;
        case 47: out += '/'; break;
        case 98: out += '\b'; break;
        case 102: out += '\f'; break;
        case 110: out += '\n'; break;
        case 114: out += '\r'; break;
        case 116: out += '\t'; break;
        case 117: {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail('invalid \\u escape in string', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          if (i + 1 >= s.length) this.fail('unterminated string', start - 1);
          this.fail(`invalid escape "\\${String.fromCodePoint(s.codePointAt(i + 1)!)}" in string`, i);
      }
      i += 2;
      chunk = i;
    }
    const v = out === undefined ? s.slice(start, i) : out + s.slice(chunk, i);
    this.i = i + 1;
    // Placeholders in keys and values alike; cheap checks first.
    if (v.length >= 2 && (v.includes('{{') || v.includes('__') || v.includes('$') || v.includes('<%'))) {
      const t = templateIn(v);
      if (t !== undefined) {
        this.templates++;
        if (this.template === undefined) {
          const path = isValue ? [...this.path] : [...this.path.slice(0, -1), v];
          this.template = { token: t, offset: start - 1, path };
        }
      }
    }
    return v;
  }

  number(): number {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    const d0 = s.charCodeAt(i);
    if (d0 === 48) {
      i++;
      const d1 = s.charCodeAt(i);
      if (d1 >= 48 && d1 <= 57) this.fail('numbers cannot have leading zeros', start);
    } else if (d0 >= 49 && d0 <= 57) {
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    } else {
      this.i = i;
      this.unexpectedValue();
    }
    if (s.charCodeAt(i) === 46) {
      i++;
      const f = i;
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === f) this.fail('a decimal point must be followed by digits', i);
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      const f = i;
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === f) this.fail('an exponent must have digits', i);
    }
    const v = Number(s.slice(start, i));
    if (!Number.isFinite(v)) this.fail('number out of the range of a 64-bit float', start);
    this.i = i;
    return v;
  }

  document(): JsonValue {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) {
      this.path.length = 0;
      this.fail(`unexpected ${describe(this.s, this.i)} after the top-level value`);
    }
    return v;
  }
}

/** DEFAULT_MAX_DEPTH is the default bound on the nesting of objects and arrays. */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * parseJson parses `text` as one JSON document. It returns the value and the first template placeholder found
 * in a string, or a {@link JsonFailure}.
 */
export function parseJson(text: string, maxDepth = DEFAULT_MAX_DEPTH): JsonParseResult | JsonFailure {
  const p = new Parser(text, maxDepth, undefined);
  try {
    const value = p.document();
    return { value, template: p.template, templates: p.templates };
  } catch (e) {
    if (e instanceof Failure) return e.failure;
    if (e instanceof RangeError) {
      // Stack exhaustion cannot happen below the depth limit, but never let it escape as another type.
      return { kind: 'depth', reason: 'nesting too deep', offset: p.i, path: [] };
    }
    throw e;
  }
}

/** isJsonFailure tells a failure from a result of {@link parseJson}. */
export function isJsonFailure(r: JsonParseResult | JsonFailure): r is JsonFailure {
  return (r as JsonFailure).kind !== undefined;
}

/** locate returns the offset where the value at `path` starts in `text`, or -1 (for errors found after parsing). */
export function locate(text: string, path: readonly PathSegment[], maxDepth = DEFAULT_MAX_DEPTH): number {
  const p = new Parser(text, maxDepth, path);
  try {
    p.document();
  } catch {
    // Only valid documents are located.
  }
  return p.found;
}

/** lineColumn converts an offset to a 1-based line and column (UTF-16 code units). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}
