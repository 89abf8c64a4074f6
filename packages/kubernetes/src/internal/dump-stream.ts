import { parseAllDocuments } from 'yaml';
import { KubernetesError } from '../kubernetes-error.js';

/**
 * Splits the text of a Kubernetes input into its documents: a stream of concatenated JSON values (what
 * `kubectl cluster-info dump` and `kubectl get -o json` print), or YAML (one or several `---` documents, what
 * `-o yaml` prints), with `kubectl cluster-info dump`'s log blocks between documents skipped:
 *
 * ```text
 * ==== START logs for container <c> of pod <ns>/<pod> ====
 * <any text, maybe not ending in a newline>==== END logs for container <c> of pod <ns>/<pod> ====
 * ```
 *
 * JSON documents are delimited by a scanner that knows strings and escapes (brackets inside strings do not count)
 * and then handed to `JSON.parse` whole, so the cost is linear in the text. The format is decided by the first
 * thing in the text that is not white space or a log block: `{` or `[` means JSON, anything else YAML.
 *
 * `name` names the input in errors (a file path, or a label such as `discover({ dump })`).
 *
 * @throws {@link KubernetesError} `ERR_K8S_INPUT_SYNTAX` with the line and column of the first syntax error, or
 * when a document is a bare scalar (plain text is not a Kubernetes input).
 */
export function splitDocuments(text: string, name: InputName): unknown[] {
  const docs: unknown[] = [];
  const n = text.length;
  let i = 0;
  let mode: 'json' | 'yaml' | undefined;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 61 && text.startsWith(LOG_START, i)) {
      i = skipLogBlock(text, i, name);
      continue;
    }
    if (mode !== 'yaml' && (c === 123 || c === 91)) {
      mode = 'json';
      const fast = indentedDocument(text, i, c);
      if (fast !== undefined) {
        docs.push(fast.value);
        i = fast.end;
        continue;
      }
      const end = scanJsonValue(text, i, name);
      docs.push(parseJsonDocument(text, i, end, name));
      i = end;
      continue;
    }
    if (mode === 'json') throw syntaxError(name, text, i, 'unexpected text between JSON documents');
    mode = 'yaml';
    const end = nextLogStart(text, i);
    for (const d of parseYamlSegment(text, i, end, name)) docs.push(d);
    i = end;
  }
  return docs;
}

const LOG_START = '==== START logs';

/** Skips a log block that starts at `i`; returns the index after its END line. */
function skipLogBlock(text: string, i: number, name: InputName): number {
  let eol = text.indexOf('\n', i);
  if (eol < 0) eol = text.length;
  const startLine = text.slice(i, eol).trimEnd();
  // kubectl writes the END line with the same container and pod as the START line.
  const endMarker = `==== END${startLine.slice('==== START'.length)}`;
  let end = text.indexOf(endMarker, eol);
  if (end < 0) {
    // A dump edited by hand may name the pod differently at the end; any END line closes the block.
    end = text.indexOf('==== END logs', eol);
    if (end < 0) throw syntaxError(name, text, i, `log block "${startLine}" has no END line`);
  }
  const after = text.indexOf('\n', end);
  return after < 0 ? text.length : after + 1;
}

/** The index of the next line that starts a log block after `i`, or the end of the text. */
function nextLogStart(text: string, i: number): number {
  const k = text.indexOf(`\n${LOG_START}`, i);
  return k < 0 ? text.length : k + 1;
}

/**
 * The fast path for kubectl's indented output, where a document's closing bracket is the first one at the start of a
 * line (a JSON string cannot hold a raw newline, so a line-leading bracket is structure). One `JSON.parse` of the
 * text up to there either succeeds, and the document is exactly that (a complete JSON value that starts at `start`
 * ends at its matching bracket, where the scanner would also stop), or fails, usually at once (text whose
 * indentation was stripped has a nested bracket there), and the scanner decides.
 */
function indentedDocument(text: string, start: number, open: number): { value: unknown; end: number } | undefined {
  const k = text.indexOf(open === 123 ? '\n}' : '\n]', start);
  if (k < 0) return undefined;
  const after = text.charCodeAt(k + 2);
  if (k + 2 < text.length && after !== 10 && after !== 13) return undefined;
  try {
    return { value: JSON.parse(text.slice(start, k + 2)), end: k + 2 };
  } catch {
    return undefined;
  }
}

/**
 * Returns the index just after the JSON value (object or array) that starts at `start`, counting brackets outside
 * strings; strings are skipped with indexOf to their closing quote (one not preceded by an odd run of backslashes).
 */
function scanJsonValue(text: string, start: number, name: InputName): number {
  const n = text.length;
  let depth = 0;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw syntaxError(name, text, i, 'unterminated string');
        let k = q - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((q - 1 - k) % 2 === 0) {
          i = q + 1;
          break;
        }
        j = q + 1;
      }
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  // Unbalanced brackets: the validator finds the first real error, if it lies before the end.
  const at = locateJsonError(text, start, n);
  if (at.offset < n) throw syntaxError(name, text, at.offset, `invalid JSON: ${at.reason}`);
  throw syntaxError(name, text, start, 'unexpected end of input inside a JSON document that starts here');
}

function parseJsonDocument(text: string, start: number, end: number, name: InputName): unknown {
  try {
    return JSON.parse(text.slice(start, end));
  } catch {
    const at = locateJsonError(text, start, end);
    throw syntaxError(name, text, at.offset, `invalid JSON: ${at.reason}`);
  }
}

function parseYamlSegment(text: string, start: number, end: number, name: InputName): unknown[] {
  const segment = text.slice(start, end);
  const out: unknown[] = [];
  const parsed = parseAllDocuments(segment, { prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err !== undefined) throw syntaxError(name, text, start + err.pos[0], `invalid YAML: ${yamlReason(err.message)}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object') {
      const at = doc.contents?.range?.[0] ?? 0;
      throw syntaxError(name, text, start + at, 'expected a JSON or YAML object, found plain text');
    }
    out.push(value);
  }
  return out;
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

function syntaxError(name: InputName, text: string, offset: number, reason: string): KubernetesError {
  const { line, column } = lineColumn(text, offset);
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
