import { describe, expect, it } from 'vitest';
import { isJsonFailure, lineColumn, locate, parseJson } from './json-parser.js';

function failure(text: string, maxDepth?: number) {
  const r = parseJson(text, maxDepth);
  if (!isJsonFailure(r)) throw new Error(`parsed: ${text}`);
  return { kind: r.kind, reason: r.reason, ...lineColumn(text, r.offset), path: r.path };
}

describe('parseJson', () => {
  it.each([
    ['{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', { a: [1, -2500, true, false, null, 'x\u00e9\n'] }],
    [' \t\r\n[]', []],
    ['"\\"\\\\\\/\\b\\f\\r\\t"', '"\\/\b\f\r\t'],
    ['{"a":1,"a":2}', { a: 2 }], // duplicate keys: the last wins, as in Go
  ])('parses %s', (text, want) => {
    const r = parseJson(text);
    if (isJsonFailure(r)) throw new Error(r.reason);
    expect(r.value).toEqual(want);
    expect(r.value).toEqual(JSON.parse(text));
  });

  it.each([
    ['{', 'syntax', 'unexpected end of input', 1, 2], // truncated
    ['{"a":1,}', 'syntax', 'trailing comma before "}"', 1, 8], // trailing comma in object
    ['[1,]', 'syntax', 'trailing comma before "]"', 1, 4], // trailing comma in array
    ['{"a":01}', 'syntax', 'numbers cannot have leading zeros', 1, 6], // octal-looking number
    ["{'a':1}", 'syntax', 'object keys must be in double quotes, not single quotes', 1, 2], // single quotes
    ['{"a":1 // c\n}', 'syntax', 'expected "," or "}" after object member, found "/"', 1, 8], // comment
    ['// c\n{}', 'syntax', 'comments are not allowed in JSON', 1, 1], // leading comment
    ['{"a":"x\ny"}', 'syntax', 'control character U+000A in string (escape it)', 1, 8], // raw newline in a string
    ['{"a":"\\x"}', 'syntax', 'invalid escape "\\x" in string', 1, 7], // bad escape
    ['\uFEFF{}', 'syntax', "input starts with a byte order mark (U+FEFF), which Go's encoding/json rejects", 1, 1], // BOM
    ['{} {}', 'syntax', 'unexpected "{" after the top-level value', 1, 4], // two documents
    ['{"a":1e400}', 'syntax', 'number out of the range of a 64-bit float', 1, 6], // overflow
    ['{"a":tru}', 'syntax', 'unexpected "t" where a value was expected', 1, 6], // misspelt literal
    ['{"mtu": __CNI_MTU__}', 'template', 'unfilled template placeholder "__CNI_MTU__"', 1, 9], // Calico install template
    ['{"a": {{ .Values.mtu }}}', 'template', 'unfilled template placeholder "{{ .Values.mtu }}"', 1, 7], // Helm
    ['{"a": $2}', 'template', 'unfilled template placeholder "$2"', 1, 7], // shell parameter
    ['{"a": ${MTU}}', 'template', 'unfilled template placeholder "${MTU}"', 1, 7], // shell parameter in braces
    ['{"a": <%= mtu %>}', 'template', 'unfilled template placeholder "<%= mtu %>"', 1, 7], // ERB
  ])('rejects %j', (text, kind, reason, line, column) => {
    expect(failure(text)).toMatchObject({ kind, reason, line, column });
  });

  it('reports the path it was in', () => {
    expect(failure('{"plugins":[{"type":"a"},{"ipam":{"subnet":}}]}').path).toEqual(['plugins', 1, 'ipam', 'subnet']);
  });

  it('finds placeholders inside strings, with their path', () => {
    const r = parseJson('{"a":"ok","b":["x","__NODE_IP__"],"c":"{{ .PodCIDR }}","d":"$1"}');
    if (isJsonFailure(r)) throw new Error(r.reason);
    expect(r.template).toEqual({ token: '__NODE_IP__', offset: 19, path: ['b', 1] });
    expect(r.templates).toBe(3);
  });

  it.each(['a__b', 'cost: $5', 'snake_case__x', '{{', 'price $', '__'])('does not mistake %j for a placeholder', (s) => {
    const r = parseJson(JSON.stringify({ s }));
    if (isJsonFailure(r)) throw new Error(r.reason);
    expect(r.template).toBeUndefined();
  });

  it('keeps __proto__ and constructor as plain own keys', () => {
    const r = parseJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    if (isJsonFailure(r)) throw new Error(r.reason);
    const o = r.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('bounds the depth instead of overflowing the stack', () => {
    expect(failure('['.repeat(65) + ']'.repeat(65))).toMatchObject({ kind: 'depth', reason: 'nesting deeper than 64 levels' });
    expect(failure('['.repeat(200000), 1_000_000).kind).toBe('depth');
  });

  it('never quotes more than a bounded piece of input', () => {
    expect(failure(`{"a": __${'X'.repeat(10000)}__}`).reason.length).toBeLessThan(120);
    expect(failure(`{"a": {{ ${'x'.repeat(10000)} }}}`).reason.length).toBeLessThan(120);
  });
});

describe('locate', () => {
  it('finds where a value starts', () => {
    const text = '{\n  "a": [1, {"b": "x"}]\n}';
    expect(lineColumn(text, locate(text, ['a', 1, 'b']))).toEqual({ line: 2, column: 18 });
    expect(locate(text, ['nope'])).toBe(-1);
  });
});
