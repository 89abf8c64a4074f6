import { describe, expect, it } from 'vitest';
import rootReadme from '../../../README.md?raw';
import packageReadme from '../README.md?raw';
import * as core from './index.js';

/**
 * The README's usage snippet, run line by line: every statement ending in a `// value` comment must evaluate to
 * that value, so that the front page cannot drift from the code.
 */
describe.each([
  ['the repository README', rootReadme],
  ["@ipam/core's README", packageReadme],
])('%s usage', (_, readme) => {
  const block = /## Usage\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];

  it('has a usage snippet importing @ipam/core', () => {
    expect(block).toMatch(/from '@ipam\/core'/);
  });

  it('evaluates to the values written beside it', () => {
    const lines = block!.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('import '));
    const names = Object.keys(core);
    const scope: Record<string, unknown> = {};
    let checked = 0;
    for (const line of lines) {
      const m = /^(.*?);\s*\/\/\s*(.+)$/.exec(line);
      const code = m ? m[1]! : line.replace(/;$/, '');
      const decl = /^const (\w+) = (.*)$/.exec(code);
      const run = new Function(...names, ...Object.keys(scope), `return (${decl ? decl[2] : code});`);
      const value = run(...names.map((n) => (core as Record<string, unknown>)[n]), ...Object.values(scope));
      if (decl) scope[decl[1]!] = value;
      if (m) {
        expect([line, value]).toEqual([line, eval(m[2]!)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
