import { parseAllDocuments } from 'yaml';
import { KubernetesError } from '../kubernetes-error.js';

/**
 * DocumentSink receives what a {@link DocumentSplitter} finds, in input order. A List document that kubectl wrote
 * with its `kind` before its `items` (a `kubectl cluster-info dump`) arrives item by item, so that no list is ever
 * held as one object graph: {@link DocumentSink.listStart}, one {@link DocumentSink.listItem} per element of
 * `items`, then {@link DocumentSink.listEnd}. Every other document arrives whole through {@link DocumentSink.document}.
 */
export interface DocumentSink {
  /** document receives a whole parsed document. */
  document(value: unknown): void;
  /** listStart opens a List document whose top-level `kind` (a string ending in `List`) came before its `items`. */
  listStart(kind: string): void;
  /** listItem receives the element `index` of the open List's `items`, parsed. */
  listItem(value: unknown, index: number): void;
  /** listEnd closes the open List; `head` is the document without its items (`items: []`). */
  listEnd(head: Record<string, unknown>): void;
}

/** Thrown by a step that needs more text than the buffer holds; the step changed nothing. */
const NEED_MORE: unique symbol = Symbol('need more');

/** The start of a log block line. */
const LOG_START = '==== START logs';

/**
 * DocumentSplitter splits a Kubernetes input into its documents as its text arrives, chunk by chunk: a stream of
 * concatenated JSON values (what `kubectl cluster-info dump` and `kubectl get -o json` print), or YAML (one or several
 * `---` documents, what `-o yaml` prints), with `kubectl cluster-info dump`'s log blocks between documents skipped:
 *
 * ```text
 * ==== START logs for container <c> of pod <ns>/<pod> ====
 * <any text, maybe not ending in a newline>==== END logs for container <c> of pod <ns>/<pod> ====
 * ```
 *
 * The format is decided by the first thing in the text that is not white space or a log block: `{` or `[` means JSON,
 * anything else YAML. A JSON document is delimited by a scanner that knows strings and escapes (brackets inside strings
 * do not count) and handed to `JSON.parse`; the elements of a List's top-level `items` are cut out and parsed one at a
 * time. For kubectl's indented output an element ends at the first line that closes it at its own indentation (a JSON
 * string cannot hold a raw newline, so such a line is structure); `JSON.parse` of that piece succeeding proves the cut
 * (a piece that starts with `{` and parses whole ends at its matching bracket), and the scanner decides otherwise.
 * The cost is linear in the text, and only the text of the element being read (or of a whole non-List document, or
 * a YAML stream) is held.
 *
 * Work happens in steps (one document, one List element, ...); a step that runs out of text throws
 * {@link NEED_MORE} before changing anything and is run again once at least as much text again has arrived, so text
 * in chunks gives the same events as the same text at once, wherever the chunks are cut.
 *
 * @throws {@link KubernetesError} `ERR_K8S_INPUT_SYNTAX` with the line and column of the first syntax error, or
 * when a document is a bare scalar (plain text is not a Kubernetes input).
 */
export class DocumentSplitter {
  /** The text not yet consumed (or kept: see `keepFrom`), from absolute offset `base`. */
  private buf = '';
  private base = 0;
  /** Line (from 1) at `base`, and the absolute offset where that line starts. */
  private baseLine = 1;
  private baseLineStart = 0;
  /** Index in `buf` of the next unconsumed character. */
  private pos = 0;
  private final = false;
  private mode: 'json' | 'yaml' | undefined;
  /** The open List, read item by item. */
  private list: OpenList | undefined;
  /** Chunks not yet appended to `buf`, and how much text a step is waiting for. */
  private pending: string[] = [];
  private pendingLength = 0;
  private want = 0;
  /** Documents seen so far. */
  private docs = 0;
  /** Whether the whole text is still in `buf` (while it may be a single document, read as a whole). */
  private keepAll = true;
  private readonly closers = new Map<number, string>();

  constructor(
    private readonly name: InputName,
    private readonly sink: DocumentSink,
  ) {}

  /** text is the whole input, while it is still kept (a single document read whole), else undefined. */
  get text(): string | undefined {
    return this.keepAll && this.base === 0 ? this.buf : undefined;
  }

  /** push adds a chunk of text and reads as far as it can. */
  push(chunk: string): void {
    if (chunk === '') return;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength >= this.want) this.run();
  }

  /** end says that no more text follows, and reads the rest. */
  end(): void {
    this.final = true;
    this.run();
  }

  private run(): void {
    if (this.pending.length > 0) {
      const keep = this.keepAll ? 0 : this.pos;
      this.discard(keep);
      this.buf = this.pending.length === 1 && this.buf === '' ? this.pending[0]! : this.buf + this.pending.join('');
      this.pending = [];
      this.pendingLength = 0;
    }
    for (;;) {
      const before = this.pos;
      try {
        if (!this.step()) return;
      } catch (e) {
        if (e !== NEED_MORE) throw e;
        // Wait until the unread text at least doubles, so that re-running a long step stays linear overall.
        this.want = this.buf.length - before;
        this.pos = before;
        return;
      }
      this.want = 0;
    }
  }

  /** Drops the text before `buf[k]`, counting its lines for error positions. */
  private discard(k: number): void {
    if (k === 0) return;
    const list = this.list;
    if (list !== undefined && list.at === undefined && list.start < this.base + k) list.at = this.position(list.start - this.base);
    const b = this.buf;
    let nl = b.lastIndexOf('\n', k - 1);
    if (nl >= 0) {
      this.baseLineStart = this.base + nl + 1;
      let lines = 0;
      for (let j = b.indexOf('\n'); j >= 0 && j <= nl; j = b.indexOf('\n', j + 1)) lines++;
      this.baseLine += lines;
    }
    this.buf = b.slice(k);
    this.base += k;
    this.pos -= k;
  }

  private more(): never {
    if (this.final) throw new Error('DocumentSplitter: out of text after the end');
    throw NEED_MORE;
  }

  /** One step; false when the text is done or more is needed. */
  private step(): boolean {
    if (this.list !== undefined) {
      this.listStep(this.list);
      return true;
    }
    const text = this.buf;
    const n = text.length;
    let i = this.pos;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff) i++;
      else break;
    }
    this.pos = i;
    if (i >= n) {
      if (this.final) return false;
      throw NEED_MORE;
    }
    const c = text.charCodeAt(i);
    if (c === 61 && n - i < LOG_START.length && !this.final && LOG_START.startsWith(text.slice(i))) this.more();
    if (c === 61 && text.startsWith(LOG_START, i)) {
      this.pos = this.skipLogBlock(i);
      return true;
    }
    if (this.mode !== 'yaml' && (c === 123 || c === 91)) {
      this.mode = 'json';
      this.jsonDocument(i, c);
      return true;
    }
    if (this.mode === 'json') throw this.syntaxError(i, 'unexpected text between JSON documents');
    this.mode = 'yaml';
    const end = this.nextLogStart(i);
    const docs = this.parseYamlSegment(i, end);
    this.pos = end;
    for (const d of docs) this.emit(d);
    return true;
  }

  private emit(value: unknown): void {
    this.startDocument();
    this.sink.document(value);
  }

  private startDocument(): void {
    this.docs++;
    if (this.docs > 1) this.keepAll = false;
  }

  /** Skips a log block that starts at `i`; returns the index after its END line. */
  private skipLogBlock(i: number): number {
    const text = this.buf;
    let eol = text.indexOf('\n', i);
    if (eol < 0) {
      if (!this.final) this.more();
      eol = text.length;
    }
    const startLine = text.slice(i, eol).trimEnd();
    // kubectl writes the END line with the same container and pod as the START line.
    const endMarker = `==== END${startLine.slice('==== START'.length)}`;
    let end = text.indexOf(endMarker, eol);
    if (end < 0) {
      if (!this.final) this.more();
      // A dump edited by hand may name the pod differently at the end; any END line closes the block.
      end = text.indexOf('==== END logs', eol);
      if (end < 0) throw this.syntaxError(i, `log block "${startLine}" has no END line`);
    }
    const after = text.indexOf('\n', end);
    if (after < 0 && !this.final) this.more();
    return after < 0 ? text.length : after + 1;
  }

  /** The index of the next line that starts a log block after `i`, or the end of the text. */
  private nextLogStart(i: number): number {
    const k = this.buf.indexOf(`\n${LOG_START}`, i);
    if (k < 0 && !this.final) this.more();
    return k < 0 ? this.buf.length : k + 1;
  }

  /** Reads the JSON document that starts at `i`: a List item by item when its `kind` comes first, else whole. */
  private jsonDocument(i: number, open: number): void {
    if (open === 123) {
      let head: { items: number; keys: Map<string, number> } | undefined;
      try {
        head = this.scanHead(i);
      } catch (e) {
        // Not well formed: reading it whole reports the first error.
        if (e === NEED_MORE) throw e;
      }
      if (head !== undefined) {
        const headText = this.buf.slice(i, head.items + 1);
        let partial: unknown;
        try {
          partial = JSON.parse(`${headText}]}`);
        } catch {
          const at = locateJsonError(headText, 0, headText.length);
          throw this.syntaxError(i + at.offset, `invalid JSON: ${at.reason}`);
        }
        const kind = (partial as Record<string, unknown>)['kind'];
        if (typeof kind === 'string' && kind.endsWith('List')) {
          this.startDocument();
          this.keepAll = false;
          this.list = { start: this.base + i, head: headText, kind, index: 0, keys: head.keys, fast: true };
          this.pos = head.items + 1;
          this.sink.listStart(kind);
          return;
        }
      }
    }
    const { value, end } = this.wholeDocument(i, open);
    this.pos = end;
    this.emit(value);
  }

  /** Parses the whole JSON document at `i`; returns it and the index after it. */
  private wholeDocument(i: number, open: number): { value: unknown; end: number } {
    const fast = this.indented(i, open);
    if (fast !== undefined) return fast;
    const end = this.scanValue(i);
    return { value: this.parseJson(i, end), end };
  }

  /**
   * The fast path for kubectl's indented output, where a value's closing bracket is the first one at the start of a
   * line with the indentation of the line that opens it. One `JSON.parse` up to there either succeeds, and the value is
   * exactly that, or fails, and the scanner decides.
   */
  private indented(start: number, open: number): { value: unknown; end: number } | undefined {
    const text = this.buf;
    if (text.charCodeAt(start + 1) !== 10) return undefined;
    let s = start;
    while (s > 0 && text.charCodeAt(s - 1) === 32) s--;
    if (s > 0 && text.charCodeAt(s - 1) !== 10) return undefined;
    const indent = start - s;
    const key = open === 123 ? indent : -1 - indent;
    let closer = this.closers.get(key);
    if (closer === undefined) {
      closer = `\n${' '.repeat(indent)}${open === 123 ? '}' : ']'}`;
      this.closers.set(key, closer);
    }
    const k = text.indexOf(closer, start);
    if (k < 0) {
      // Past 64 MiB without the closing line, the scanner decides (and the text is not held for a closer that may never come).
      if (!this.final && text.length - start < 1 << 26) this.more();
      return undefined;
    }
    const end = k + closer.length;
    try {
      return { value: JSON.parse(text.slice(start, end)), end };
    } catch {
      return undefined;
    }
  }

  /** One step inside an open List: an element of `items`, or the end of the document. */
  private listStep(list: OpenList): void {
    const text = this.buf;
    let i = this.skipSpace(this.pos);
    if (i >= text.length) throw this.endError(list);
    const c = text.charCodeAt(i);
    if (c === 93) {
      this.listTail(list, i);
      return;
    }
    if (list.index > 0) {
      if (c !== 44) throw this.syntaxError(i, 'invalid JSON: expected "," or "]"');
      i = this.skipSpace(i + 1);
      if (i >= text.length) throw this.endError(list);
    }
    const { value, end } = this.element(list, i);
    this.pos = end;
    this.sink.listItem(value, list.index++);
  }

  /** Cuts and parses the element of `items` at `i`. */
  private element(list: OpenList, i: number): { value: unknown; end: number } {
    const text = this.buf;
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      if (list.fast) {
        const fast = this.indented(i, c);
        if (fast !== undefined) return fast;
        if (text.charCodeAt(i + 1) === 10) list.fast = false;
      }
      const end = this.scanValue(i);
      return { value: this.parseJson(i, end), end };
    }
    const end = c === 34 ? this.scanString(i) : this.scanScalar(i);
    return { value: this.parseJson(i, end), end };
  }

  /** Reads the rest of a List document after its items' `]` at `i`, checks it, and closes the List. */
  private listTail(list: OpenList, i: number): void {
    const keys = new Map<string, number>();
    const end = this.scanKeys(i + 1, keys, true);
    // Not well formed (scanKeys stops at the first thing out of place): the validator finds the error.
    const tail = this.buf.slice(i, end ?? this.buf.length);
    let head: Record<string, unknown> | undefined;
    try {
      if (end !== undefined) head = JSON.parse(list.head + tail) as Record<string, unknown>;
    } catch {
      // Reported below.
    }
    if (head === undefined) {
      const at = locateJsonError(list.head + tail, 0, list.head.length + tail.length);
      if (at.offset - list.head.length >= tail.length) throw this.endError(list);
      throw this.syntaxError(i + at.offset - list.head.length, `invalid JSON: ${at.reason}`);
    }
    const count = (k: string): number => (list.keys.get(k) ?? 0) + (keys.get(k) ?? 0);
    if (count('kind') > 1 || count('items') > 1) {
      // JSON.parse would keep the last one, which can only be known once the items have been read as the first said.
      throw this.listError(list, `a List document with ${count('kind') > 1 ? 'two top-level "kind" keys' : 'two top-level "items" keys'} is ambiguous`);
    }
    this.list = undefined;
    this.pos = end!;
    this.sink.listEnd(head);
  }

  /** The error for text that ends inside an open List, at the document's start. */
  private endError(list: OpenList): KubernetesError {
    return this.listError(list, 'unexpected end of input inside a JSON document that starts here');
  }

  /** An error at the start of an open List. */
  private listError(list: OpenList, reason: string): KubernetesError {
    const s = list.start - this.base;
    if (s >= 0) return this.syntaxError(s, reason);
    return syntaxError(this.name, list.at!.line, list.at!.column, reason);
  }

  /** The index of the first character at or after `i` that is not JSON white space (the end of the text, at the end). */
  private skipSpace(i: number): number {
    const text = this.buf;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return i;
    }
    if (!this.final) this.more();
    return i;
  }

  /**
   * Walks the top-level keys of the object at `start` up to an `items` key whose value is a list; returns the index of
   * that `[` and the top-level keys seen, or undefined for an object without one (or not well formed).
   */
  private scanHead(start: number): { items: number; keys: Map<string, number> } | undefined {
    const keys = new Map<string, number>();
    const at = this.scanKeys(start + 1, keys, false);
    return at !== undefined && at < 0 ? { items: -at - 1, keys } : undefined;
  }

  /**
   * Walks `key: value` pairs of an object from `i` (just after its `{`, or after a value when `afterValue`), counting
   * the keys. Returns the index after the closing `}`, or `-(k + 1)` where `k` is the `[` of an `items` list when
   * not `afterValue`, or undefined when the text is not a well-formed object.
   */
  private scanKeys(i: number, keys: Map<string, number>, afterValue: boolean): number | undefined {
    const text = this.buf;
    let first = !afterValue;
    for (;;) {
      i = this.skipSpace(i);
      let c = text.charCodeAt(i);
      if (c === 125) return i + 1;
      if (!first) {
        if (c !== 44) return undefined;
        i = this.skipSpace(i + 1);
        c = text.charCodeAt(i);
      }
      first = false;
      if (c !== 34) return undefined;
      const keyEnd = this.scanString(i);
      let key = text.slice(i + 1, keyEnd - 1);
      if (key.includes('\\')) {
        try {
          key = JSON.parse(text.slice(i, keyEnd)) as string;
        } catch {
          return undefined;
        }
      }
      keys.set(key, (keys.get(key) ?? 0) + 1);
      i = this.skipSpace(keyEnd);
      if (text.charCodeAt(i) !== 58) return undefined;
      i = this.skipSpace(i + 1);
      c = text.charCodeAt(i);
      if (key === 'items' && c === 91 && !afterValue) return -i - 1;
      i = c === 123 || c === 91 ? this.scanValue(i) : c === 34 ? this.scanString(i) : this.scanScalar(i);
    }
  }

  /** The index after the string whose opening quote is at `i`. */
  private scanString(i: number): number {
    const text = this.buf;
    let j = i + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) {
        if (!this.final) this.more();
        throw this.syntaxError(i, 'unterminated string');
      }
      let k = q - 1;
      while (text.charCodeAt(k) === 92) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      j = q + 1;
    }
  }

  /** The index after a number or literal at `i` (where white space or a bracket or comma follows). */
  private scanScalar(i: number): number {
    const text = this.buf;
    const n = text.length;
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 44 || c === 93 || c === 125 || c === 32 || c === 10 || c === 13 || c === 9) return j === i ? j + 1 : j;
      j++;
    }
    if (!this.final) this.more();
    return j;
  }

  /**
   * Returns the index just after the JSON value (object or array) that starts at `start`, counting brackets outside
   * strings; strings are skipped with indexOf to their closing quote (one not preceded by an odd run of backslashes).
   */
  private scanValue(start: number): number {
    const text = this.buf;
    const n = text.length;
    let depth = 0;
    let i = start;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i = this.scanString(i);
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    if (!this.final) this.more();
    // Unbalanced brackets: the validator finds the first real error, if it lies before the end.
    const at = locateJsonError(text, start, n);
    if (at.offset < n) throw this.syntaxError(at.offset, `invalid JSON: ${at.reason}`);
    if (this.list !== undefined) throw this.endError(this.list);
    throw this.syntaxError(start, 'unexpected end of input inside a JSON document that starts here');
  }

  private parseJson(start: number, end: number): unknown {
    try {
      return JSON.parse(this.buf.slice(start, end));
    } catch {
      const at = locateJsonError(this.buf, start, end);
      throw this.syntaxError(at.offset, `invalid JSON: ${at.reason}`);
    }
  }

  private parseYamlSegment(start: number, end: number): unknown[] {
    const segment = this.buf.slice(start, end);
    const out: unknown[] = [];
    const parsed = parseAllDocuments(segment, { prettyErrors: false });
    const docs = Array.isArray(parsed) ? parsed : [];
    for (const doc of docs) {
      const err = doc.errors[0];
      if (err !== undefined) throw this.syntaxError(start + err.pos[0], `invalid YAML: ${yamlReason(err.message)}`);
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object') {
        const at = doc.contents?.range?.[0] ?? 0;
        throw this.syntaxError(start + at, 'expected a JSON or YAML object, found plain text');
      }
      out.push(value);
    }
    return out;
  }

  /** An error at `buf[i]`, with its line and column in the whole input. */
  private syntaxError(i: number, reason: string): KubernetesError {
    const { line, column } = this.position(i);
    return syntaxError(this.name, line, column, reason);
  }

  /** The line and column (from 1) of `buf[i]` in the whole input. */
  private position(i: number): { line: number; column: number } {
    const text = this.buf;
    let line = this.baseLine;
    let lineStart = this.baseLineStart - this.base;
    for (let k = text.indexOf('\n'); k >= 0 && k < i; k = text.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    return { line, column: i - lineStart + 1 };
  }
}

/** An open List document. */
interface OpenList {
  /** The absolute offset of the document's `{`. */
  readonly start: number;
  /** The text of the document up to and including the `[` of its items. */
  readonly head: string;
  readonly kind: string;
  /** The index of the next element. */
  index: number;
  /** Top-level keys seen, with how often. */
  readonly keys: Map<string, number>;
  /** Whether elements are cut with the indented fast path (until it fails once). */
  fast: boolean;
  /** The line and column of `start`, kept when the text there is dropped. */
  at?: { line: number; column: number };
}

/**
 * splitDocuments splits a whole text into its documents with a {@link DocumentSplitter}; a List read item by item is
 * put back together.
 */
export function splitDocuments(text: string, name: InputName): unknown[] {
  const docs: unknown[] = [];
  let items: unknown[] = [];
  const splitter = new DocumentSplitter(name, {
    document: (v) => docs.push(v),
    listStart: () => {
      items = [];
    },
    listItem: (v) => items.push(v),
    listEnd: (head) => docs.push({ ...head, items }),
  });
  splitter.push(text);
  splitter.end();
  return docs;
}

/** The first line of a yaml error message, without the position the yaml package appends. */
export function yamlReason(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

/** Line and column (both from 1) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** InputName names a text in errors: the file it was read from, or a label such as `discover({ dump })`. */
export interface InputName {
  readonly file?: string | undefined;
  readonly label?: string;
}

function syntaxError(name: InputName, line: number, column: number, reason: string): KubernetesError {
  const prefix = name.file === undefined && name.label !== undefined ? `${name.label}: ` : '';
  return new KubernetesError('ERR_K8S_INPUT_SYNTAX', `${prefix}line ${line}, column ${column}: ${reason}`, name.file === undefined ? {} : { file: name.file });
}

/**
 * Finds where `JSON.parse` failed, with a small validating recursive-descent pass over `text[start, end)` (only
 * run on the error path; `JSON.parse`'s own messages do not reliably carry a position).
 */
function locateJsonError(text: string, start: number, end: number): { offset: number; reason: string } {
  let i = start;
  const ws = (): void => {
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  class Stop {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  const fail = (reason: string): never => {
    throw new Stop(i, reason);
  };
  const str = (): void => {
    i++;
    for (;;) {
      if (i >= end) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail('control character in string');
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('invalid escape');
        i += 2;
        continue;
      }
      i++;
    }
  };
  const num = (): void => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, Math.min(end, i + 400)));
    if (m === null) fail(`unexpected ${JSON.stringify(text[i])}`);
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10000) fail('nesting too deep');
    ws();
    if (i >= end) fail('unexpected end of document');
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a double-quoted property name');
        str();
        ws();
        if (text[i] !== ':') fail('expected ":" after a property name');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return str();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    num();
  };
  try {
    value(0);
    ws();
    if (i < end) fail('unexpected text after the document');
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason };
    throw e;
  }
  return { offset: start, reason: 'not valid JSON' };
}
