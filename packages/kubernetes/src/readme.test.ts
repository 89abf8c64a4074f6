/**
 * The README's usage snippet, run as the ES module a user would write, against the built package, in a directory
 * holding a real `kubectl cluster-info dump` as `cluster-info-dump.txt`. Every statement ending in a `// value`
 * comment must evaluate to that value, so the README cannot drift from the code.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const DUMP = fileURLToPath(new URL('../../../../shared/corpus/cluster-info-dump-minikube-excerpt.txt', import.meta.url));
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((p) => rmSync(p, { recursive: true, force: true })));

/** Turns `expr; // value` lines into checks; other lines run as written. */
function withChecks(block: string): { code: string; checks: number } {
  let checks = 0;
  const lines = block.split('\n').map((line) => {
    const m = /^(.*?);\s*\/\/\s*(.+)$/.exec(line);
    if (m === null || line.trimStart().startsWith('//')) return line;
    checks++;
    const decl = /^const (\w+) = (.*)$/.exec(m[1]!);
    const expr = decl ? decl[1]! : m[1]!;
    return `${decl ? `${m[1]};\n` : ''}__check(${expr}, ${m[2]}, ${JSON.stringify(line)});`;
  });
  const prelude = `import { deepStrictEqual as __eq } from 'node:assert';\nconst __check = (got, want, line) => __eq(got, want, line);\n`;
  const imports = lines.filter((l) => l.startsWith('import '));
  return { code: imports.join('\n') + '\n' + prelude + lines.filter((l) => !l.startsWith('import ')).join('\n') + '\nconsole.log("ok");\n', checks };
}

describe("@ipam/kubernetes' README usage", () => {
  const block = /## Usage\s+```ts\n([\s\S]*?)```/.exec(README)?.[1];

  it('has a usage snippet importing @ipam/kubernetes', () => {
    expect(block).toMatch(/from '@ipam\/kubernetes'/);
  });

  it('evaluates to the values written beside it', () => {
    const { code, checks } = withChecks(block!);
    expect(checks).toBeGreaterThanOrEqual(10);
    // The module sits in the package directory so that `@ipam/kubernetes` resolves to this package's build.
    const file = fileURLToPath(new URL(`../.readme-${process.pid}.mjs`, import.meta.url));
    writeFileSync(file, code);
    cleanup.push(file);
    const cwd = mkdtempSync(join(tmpdir(), 'ipam-readme-'));
    cleanup.push(cwd);
    copyFileSync(DUMP, join(cwd, 'cluster-info-dump.txt'));
    expect(execFileSync(process.execPath, [file], { cwd, encoding: 'utf8' })).toBe('ok\n');
  });
});
