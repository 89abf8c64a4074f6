/**
 * Every fenced code block of the READMEs (README.md, docs/README.md, packages/*\/README.md) and of the guides
 * (docs/guides/*.md) is accounted for here, so that no example can rot:
 * - `ts`/`js` blocks are compiled with esbuild and run, in order, as one ES module per markdown file (later blocks
 *   build on earlier ones), from docs/.blocks/ so that the workspace packages resolve to their builds; what each
 *   block prints must equal the `text` block after it, or be empty when none follows; files they read are copied
 *   into the directory they run in (FIXTURES) and servers they call are started for them (SERVICES: etcd);
 * - `sh` blocks that only call `ipam ...` run against the built CLI (packages/cli/dist/bin/ipam.cjs), output
 *   compared the same way (`<!-- exit: N -->` before a block allows a non-zero exit status);
 * - `json` blocks holding a CNI network configuration must parse with `parseNetworkConfig`;
 * - blocks that another package's test runs are listed in COVERED (test/markdown.ts): the test must exist, read
 *   that markdown file and extract blocks of that language;
 * - blocks that cannot run here carry `<!-- not-run: reason -->` (or, in files owned elsewhere, an entry in
 *   OWNED_ELSEWHERE_EXEMPT with the reason); they are counted and reported.
 * Any other block fails the test: a new block must be run, covered or exempted on purpose.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseNetworkConfig } from '@ipam/cni';
import { transform } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
// The cluster package's harness for a real etcd (Debian's etcd-server): it fails, never skips, when etcd is missing.
import { type EtcdCluster, startEtcd } from '../../packages/cluster/test/etcd.js';
import {
  type Block,
  COVERED,
  ROOT,
  type Verdict,
  classify,
  extractsLang,
  markdownFiles,
  mentions,
  parseBlocks,
  readBlocks,
  where,
} from './markdown.js';

const MARK = '----8<---- next block ----8<----';
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin', 'ipam.cjs');
const BLOCKS_DIR = join(ROOT, 'docs', '.blocks');

/** Files a guide's blocks read, copied into the directory they run in: name there → path in the repository. */
const FIXTURES: Record<string, Record<string, string>> = {
  'docs/guides/quick-start.md': { 'dump.txt': 'examples/example-cluster/cluster-info-dump.txt' },
  'docs/guides/audit-a-cluster.md': {
    'dump.txt': 'examples/example-cluster/cluster-info-dump.txt',
    'calico-ippools.json': 'packages/kubernetes/test/fixtures/plugins/calico/ippools-crd.json',
    'calico-ipam.yaml': 'packages/kubernetes/test/fixtures/plugins/calico/ipam.yaml',
  },
};

/**
 * Servers a file's blocks talk to, started for them: `etcd` starts one etcd member on free ports and the blocks'
 * `http://127.0.0.1:2379` becomes its address.
 */
const SERVICES: Record<string, 'etcd'> = {
  'packages/cluster/README.md': 'etcd',
};

const scratch: string[] = [];
const etcds: EtcdCluster[] = [];
afterAll(async () => {
  scratch.forEach((d) => rmSync(d, { recursive: true, force: true }));
  for (const e of etcds) await e.stop();
});

/** Starts the servers a file's blocks need and returns the block source with their addresses in place. */
async function withServices(file: string, source: string): Promise<string> {
  if (SERVICES[file] !== 'etcd') return source;
  const etcd = await startEtcd();
  etcds.push(etcd);
  return source.replaceAll('http://127.0.0.1:2379', etcd.endpoints[0]!);
}

function workdir(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipam-docs-blocks-'));
  scratch.push(dir);
  for (const [name, from] of Object.entries(FIXTURES[file] ?? {})) copyFileSync(join(ROOT, from), join(dir, name));
  return dir;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd, env, encoding: 'utf8', timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** Splits a block into its import statements (which may span lines) and the rest. */
function splitImports(code: string): { imports: string[]; body: string } {
  const imports: string[] = [];
  const body: string[] = [];
  let current: string[] | undefined;
  for (const line of code.split('\n')) {
    if (current === undefined && /^import\s/.test(line)) current = [];
    if (current === undefined) {
      body.push(line);
      continue;
    }
    current.push(line);
    if (/\bfrom\s+['"][^'"]+['"];?\s*$/.test(line) || /^import\s+['"][^'"]+['"];?\s*$/.test(line)) {
      imports.push(current.join('\n'));
      current = undefined;
    }
  }
  return { imports, body: body.join('\n') };
}

/** The output block after block i, if the verdicts say it is one. */
function outputOf(blocks: readonly Block[], verdicts: readonly Verdict[], i: number): string {
  const next = verdicts[i + 1];
  return next?.kind === 'output' && next.of === i ? blocks[i + 1]!.code : '';
}

const files = markdownFiles();
const all = files.map((file) => {
  const blocks = readBlocks(file);
  return { file, blocks, verdicts: classify(blocks) };
});

describe('the code blocks of the guides and READMEs', () => {
  it('are found in every guide and README', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/guides/quick-start.md', 'docs/guides/plan-cluster-cidrs.md', 'packages/core/README.md']));
    expect(all.reduce((n, f) => n + f.blocks.length, 0)).toBeGreaterThan(30);
  });

  it('are each run here, the output of a block run here, covered by a named test, or exempt with a reason', () => {
    const count = (k: Verdict['kind']) => all.reduce((n, f) => n + f.verdicts.filter((v) => v.kind === k).length, 0);
    const exempt = all.flatMap(({ blocks, verdicts }) =>
      blocks.flatMap((b, i) => { const v = verdicts[i]!; return v.kind === 'exempt' ? [`  ${where(b)}: ${v.reason} [${v.where}]`] : []; }),
    );
    const run = count('module') + count('cli') + count('cni-config');
    console.log(
      `code blocks in ${files.length} files: ${run} run here (${count('module')} module, ${count('cli')} ipam, ${count('cni-config')} CNI config), ` +
        `${count('output')} outputs compared, ${count('covered')} covered by ${new Set(COVERED.map((c) => c.test)).size} tests, ${exempt.length} exempt:\n${exempt.join('\n')}`,
    );
    const unaccounted = all.flatMap(({ blocks, verdicts }) => blocks.filter((_, i) => verdicts[i]!.kind === 'unaccounted').map(where));
    expect(unaccounted, 'run these blocks, list their test in COVERED (test/markdown.ts), or put <!-- not-run: reason --> before them').toEqual([]);
    const vague = all.flatMap(({ blocks, verdicts }) =>
      blocks.filter((_, i) => { const v = verdicts[i]!; return v.kind === 'exempt' && v.reason.length < 12; }).map(where),
    );
    expect(vague, 'an exemption needs a reason').toEqual([]);
  });

  describe.each(COVERED.map((c) => [`${c.file} (${c.langs.join(', ')})`, c] as const))('covered: %s', (_, c) => {
    it(`is run by ${c.test}`, () => {
      expect(existsSync(join(ROOT, c.test)), `${c.test} does not exist`).toBe(true);
      expect(mentions(c.test, c.file), `${c.test} does not read ${c.file}`).toBe(true);
      for (const lang of c.langs) expect(extractsLang(c.test, lang), `${c.test} extracts no \`${lang}\` block`).toBe(true);
      expect(readBlocks(c.file).some((b) => c.langs.includes(b.lang)), `${c.file} has no ${c.langs.join('/')} block left to cover`).toBe(true);
    });
  });
});

for (const { file, blocks, verdicts } of all) {
  const modules = blocks.filter((_, i) => verdicts[i]!.kind === 'module');
  const cli = blocks.filter((_, i) => verdicts[i]!.kind === 'cli');
  const configs = blocks.filter((_, i) => verdicts[i]!.kind === 'cni-config');
  if (modules.length + cli.length + configs.length === 0) continue;

  describe(file, () => {
    if (modules.length > 0) {
      it(`runs its ${modules.length} ts/js block(s) in order and prints what the text blocks show`, async () => {
        const parts = modules.map((b) => splitImports(b.code));
        const source = [
          ...parts.flatMap((p) => p.imports),
          ...parts.flatMap((p, i) => (i === 0 ? [p.body] : [`console.log(${JSON.stringify(MARK)});`, p.body])),
        ].join('\n');
        const { code } = await transform(await withServices(file, source), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
        mkdirSync(BLOCKS_DIR, { recursive: true });
        const moduleFile = join(BLOCKS_DIR, `${file.replaceAll('/', '_')}.${process.pid}.mjs`);
        writeFileSync(moduleFile, code);
        scratch.push(moduleFile);
        const got = await run(process.execPath, [moduleFile], workdir(file), { ...process.env, NO_COLOR: '1' });
        expect(got.stderr, `${file}: its blocks wrote to stderr`).toBe('');
        expect(got.code, `${file}: its blocks exited with ${got.code}`).toBe(0);
        const printed = got.stdout.split(`${MARK}\n`);
        const wanted = modules.map((b) => outputOf(blocks, verdicts, b.index));
        expect(printed.map((p, i) => `${where(modules[i]!)}\n${p}`)).toEqual(wanted.map((w, i) => `${where(modules[i]!)}\n${w}`));
      });
    }

    for (const b of cli) {
      it(`runs ${where(b)} against the built ipam command`, async () => {
        expect(existsSync(CLI), `${CLI} is missing: build @ipam/cli first (pnpm build)`).toBe(true);
        const bin = mkdtempSync(join(tmpdir(), 'ipam-docs-bin-'));
        scratch.push(bin);
        for (const name of ['ipam', 'kubectl-ipam']) {
          writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
          chmodSync(join(bin, name), 0o755);
        }
        // `kubectl ipam` is kubectl's plugin lookup; here, without kubectl, it is the same executable.
        writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\n[ "$1" = ipam ] || { echo "kubectl: only the ipam plugin here" >&2; exit 1; }\nshift\nexec kubectl-ipam "$@"\n`);
        chmodSync(join(bin, 'kubectl'), 0o755);
        // `npx ipam` runs the installed bin; here, the built one.
        writeFileSync(join(bin, 'npx'), `#!/bin/sh\ncase "$1" in ipam|kubectl-ipam) exec "$@" ;; *) echo "npx: only ipam here" >&2; exit 1 ;; esac\n`);
        chmodSync(join(bin, 'npx'), 0o755);
        const env = { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: bin, LANG: 'C', NO_COLOR: '1' };
        const got = await run('/bin/sh', ['-e', '-c', b.code], workdir(file), env);
        expect(got.code, `${where(b)} exited with ${got.code}: ${got.stderr}`).toBe(Number(b.markers.get('exit') ?? '0'));
        expect(got.stdout).toBe(outputOf(blocks, verdicts, b.index));
      });
    }

    for (const b of configs) {
      it(`parses ${where(b)} as a CNI network configuration`, () => {
        expect(() => parseNetworkConfig(b.code, { filename: where(b) })).not.toThrow();
      });
    }
  });
}

describe('the block finder', () => {
  const md = [
    '# t', '', '```ts', "console.log('a');", '```', '', '```text', 'a', '```', '',
    '<!-- not-run: needs a live cluster -->', '```sh', 'kubectl get nodes', '```', '',
    '~~~sh', 'rm -rf /', '~~~', '', '```', 'plain', '```', '', '````md', '```ts', 'nested', '```', '````', '',
  ].join('\n');
  const blocks = parseBlocks('docs/guides/x.md', md);

  it('finds fenced blocks with their language, line and markers', () => {
    expect(blocks.map((b) => [b.index, b.line, b.lang, b.code])).toEqual([
      [0, 3, 'ts', "console.log('a');\n"],
      [1, 7, 'text', 'a\n'],
      [2, 12, 'sh', 'kubectl get nodes\n'],
      [3, 16, 'sh', 'rm -rf /\n'],
      [4, 20, '', 'plain\n'],
      [5, 24, 'md', '```ts\nnested\n```\n'],
    ]);
    expect(blocks[2]!.markers.get('not-run')).toBe('needs a live cluster');
  });

  it('fails a new block that is neither run, covered nor exempt', () => {
    expect(classify(blocks).map((v) => v.kind)).toEqual(['module', 'output', 'exempt', 'unaccounted', 'unaccounted', 'unaccounted']);
  });

  it('tells ipam command blocks and CNI configurations from other blocks', () => {
    const [cli, mixed, conf] = parseBlocks('x.md', '```sh\n# plan\nipam plan --nodes 3\nkubectl ipam --help\nnpx ipam --help\n```\n```sh\nipam calc 10.0.0.0/8\nrm x\n```\n```json\n{ "cniVersion": "1.0.0" }\n```\n');
    expect(classify([cli!, mixed!, conf!].map((b, index) => ({ ...b, index }))).map((v) => v.kind)).toEqual(['cli', 'unaccounted', 'cni-config']);
  });
});
