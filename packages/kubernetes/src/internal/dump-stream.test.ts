import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KubernetesError } from '../kubernetes-error.js';
import { splitDocuments } from './dump-stream.js';

const name = { label: 'test' };

function syntaxError(text: string): KubernetesError {
  try {
    splitDocuments(text, { file: 'dump.txt' });
  } catch (e) {
    expect(KubernetesError.isInstance(e)).toBe(true);
    return e as KubernetesError;
  }
  throw new Error('expected an error');
}

describe('splitDocuments', () => {
  it('splits concatenated JSON documents, compact or indented', () => {
    expect(splitDocuments('{"a":1}{"b":2}\n[3]', name)).toEqual([{ a: 1 }, { b: 2 }, [3]]);
    expect(splitDocuments('{\n    "kind": "NodeList",\n    "items": []\n}\n{\n"kind": "PodList"\n}\n', name)).toEqual([
      { kind: 'NodeList', items: [] },
      { kind: 'PodList' },
    ]);
  });

  it('does not count brackets inside strings, and knows escaped quotes and backslashes', () => {
    const docs = [{ s: '}{][' }, { s: 'a"}"b' }, { s: 'ends with a backslash \\' }, { s: '\\"}' }];
    expect(splitDocuments(docs.map((d) => JSON.stringify(d)).join(''), name)).toEqual(docs);
  });

  it('skips log blocks, whatever they hold, also when the log does not end in a newline', () => {
    const text = [
      '{"kind":"NodeList","items":[]}',
      '==== START logs for container c of pod ns/p ====',
      '{ not json',
      '==== START logs inside the log are just text',
      '==== END logs for container other of pod ns/other ====',
      'still the log}==== END logs for container c of pod ns/p ====',
      '==== START logs for container d of pod ns/p ====',
      'Create log request error: container "d" in pod "p" is waiting to start: ContainerCreating',
      '==== END logs for container d of pod ns/p ====',
      '{"kind":"PodList","items":[]}',
      '',
    ].join('\n');
    expect(splitDocuments(text, name)).toEqual([
      { kind: 'NodeList', items: [] },
      { kind: 'PodList', items: [] },
    ]);
  });

  it('reads YAML streams, with --- separators and log blocks between documents', () => {
    const text = [
      'kind: NodeList',
      'items: []',
      '---',
      'kind: ServiceList',
      'items:',
      '- metadata: {name: a}',
      '==== START logs for container c of pod ns/p ====',
      'kind: NotADocument',
      '==== END logs for container c of pod ns/p ====',
      '---',
      'kind: PodList',
      '',
    ].join('\n');
    expect(splitDocuments(text, name)).toEqual([
      { kind: 'NodeList', items: [] },
      { kind: 'ServiceList', items: [{ metadata: { name: 'a' } }] },
      { kind: 'PodList' },
    ]);
  });

  it('reads nothing from empty or blank text', () => {
    expect(splitDocuments('', name)).toEqual([]);
    expect(splitDocuments(' \n\t\n', name)).toEqual([]);
    expect(splitDocuments('---\n---\n', name)).toEqual([]);
  });

  it.each([
    // A missing value: JSON.parse fails, the validator finds the place.
    ['{\n"a": }', 2, 6, 'invalid JSON'],
    // A trailing comma is not JSON.
    ['{"a": 1,\n  }', 2, 3, 'expected a double-quoted property name'],
    // The stream stops inside a document.
    ['{"a": [1, 2', 1, 1, 'unexpected end of input'],
    // A string that never ends.
    ['{"a": "b', 1, 7, 'unterminated string'],
    // Text after JSON documents that is neither a document nor a log block.
    ['{"a": 1}\nCluster info dumped to /tmp/x\n', 2, 1, 'unexpected text between JSON documents'],
    // A log block without its END line.
    ['{}\n==== START logs for container c of pod a/b ====\nlog', 2, 1, 'has no END line'],
    // YAML forbids tabs as indentation.
    ['kind: Pod\n\tname: x\n', 2, 1, 'invalid YAML: Tabs are not allowed as indentation'],
    // Plain text parses as a YAML scalar, which is no Kubernetes input.
    ['hello world\n', 1, 1, 'found plain text'],
  ])('rejects %j at line %i, column %i', (text, line, column, reason) => {
    const e = syntaxError(text);
    expect(e.code).toBe('ERR_K8S_INPUT_SYNTAX');
    expect(e.file).toBe('dump.txt');
    expect(e.message).toContain(`dump.txt: line ${line}, column ${column}: `);
    expect(e.message).toContain(reason);
  });

  it('names a text without a file by its label', () => {
    expect(() => splitDocuments('{', { label: 'discover({ dump })' })).toThrow(/^discover\(\{ dump \}\): line 1, column 1: /);
  });

  it('splits any list of JSON values back into the same values, whatever the indentation and log blocks', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), tie('object'), tie('array')),
      object: fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      array: fc.array(tie('value'), { maxLength: 4 }),
    }));
    const doc = fc.oneof(json.object, json.array);
    fc.assert(
      fc.property(fc.array(fc.tuple(doc, fc.constantFrom(0, 4), fc.boolean(), fc.string())), (items) => {
        const text = items
          .map(([d, indent, log, logText]) => {
            const body = JSON.stringify(d, null, indent);
            return log ? `${body}\n==== START logs for container c of pod a/b ====\n${logText}==== END logs for container c of pod a/b ====\n` : body;
          })
          .join('\n');
        expect(splitDocuments(text, name)).toEqual(items.map(([d]) => JSON.parse(JSON.stringify(d))));
      }),
    );
  });
});
