/**
 * Fenced code blocks of the guides and READMEs, and the verdict on each one: run by the docs harness, the output of
 * a block that is run, covered by a named test elsewhere, or exempt with a reason. docs/test/code-blocks.test.ts
 * uses this to run every block it can and to fail on any block that is none of these.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** One fenced block of a markdown file. */
export interface Block {
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** Index of the block in its file, from 0. */
  readonly index: number;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, lower-cased (`ts`, `sh`, `text`), or '' when there is none. */
  readonly lang: string;
  readonly code: string;
  /** `<!-- name: value -->` comments on the lines right before the fence (blank lines between allowed). */
  readonly markers: ReadonlyMap<string, string>;
}

/** markdownFiles lists every markdown file whose blocks must be accounted for: the READMEs and the guides. */
export function markdownFiles(): string[] {
  const files = ['README.md', 'docs/README.md'];
  for (const f of readdirSync(join(ROOT, 'docs', 'guides')).sort()) if (f.endsWith('.md')) files.push(`docs/guides/${f}`);
  for (const d of readdirSync(join(ROOT, 'packages')).sort()) if (existsSync(join(ROOT, 'packages', d, 'README.md'))) files.push(`packages/${d}/README.md`);
  return files.filter((f) => existsSync(join(ROOT, f)));
}

/** parseBlocks finds the fenced blocks (``` or ~~~, up to three spaces of indent) of a markdown text. */
export function parseBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const t = lines[j]!.trim();
      if (t.startsWith(fence[0]!.repeat(fence.length)) && t.replace(new RegExp(`^\\${fence[0]}+`), '') === '') break;
      body.push(lines[j]!);
    }
    const markers = new Map<string, string>();
    for (let k = i - 1; k >= 0; k--) {
      const t = lines[k]!.trim();
      if (t === '') continue;
      const m = /^<!--\s*([a-z-]+):\s*(.*?)\s*-->$/.exec(t);
      if (m === null) break;
      markers.set(m[1]!, m[2]!);
    }
    blocks.push({ file, index: blocks.length, line: i + 1, lang: open[2]!.toLowerCase(), code: body.length > 0 ? `${body.join('\n')}\n` : '', markers });
    i = j;
  }
  return blocks;
}

/** A block run by another package's test: the test must exist, read this markdown file and extract this language. */
export interface Coverage {
  readonly file: string;
  /** The languages of the blocks it covers. */
  readonly langs: readonly string[];
  /** The test file, relative to the repository root. */
  readonly test: string;
}

/**
 * COVERED maps blocks to the existing tests that run them (each compares what a block prints with the `text`
 * block after it). These tests live next to the code they exercise and need fixtures of their own (a fake API
 * server, etcd, CNI config files), which is why they are not re-run here.
 */
export const COVERED: readonly Coverage[] = [
  { file: 'README.md', langs: ['ts'], test: 'packages/core/src/readme.test.ts' },
  { file: 'packages/core/README.md', langs: ['ts'], test: 'packages/core/src/readme.test.ts' },
  { file: 'packages/kubernetes/README.md', langs: ['ts'], test: 'packages/kubernetes/src/readme.test.ts' },
  { file: 'docs/guides/audit-a-cluster.md', langs: ['ts', 'text'], test: 'packages/kubernetes/src/audit-guide.test.ts' },
  { file: 'docs/guides/cluster-allocation-etcd.md', langs: ['sh', 'ts', 'text'], test: 'packages/cluster/src/cluster-allocation-guide.test.ts' },
  { file: 'docs/guides/custom-ipam-plugin.md', langs: ['ts'], test: 'packages/cni/src/custom-ipam-guide.test.ts' },
  { file: 'docs/guides/lint-cni-configs.md', langs: ['ts', 'text'], test: 'packages/cni/src/lint-guide.test.ts' },
];

/**
 * OWNED_ELSEWHERE_EXEMPT holds exemptions for blocks of markdown files that other people own (their READMEs, the
 * audit guide), by the block's first line, with the reason; counted and reported like `<!-- not-run: ... -->`.
 * In the docs' own files, write the marker in the markdown instead.
 */
export const OWNED_ELSEWHERE_EXEMPT: readonly { readonly file: string | RegExp; readonly firstLine: RegExp; readonly reason: string }[] = [
  { file: 'README.md', firstLine: /^npm i -g pnpm@/, reason: 'installs pnpm globally and builds the whole repository: that is what CI (.ci/run) does' },
  { file: 'README.md', firstLine: /^pnpm test$/, reason: 'runs the whole test suite, this harness included' },
  // `kubectl cluster-info dump`, `kubectl get ippools...`: the guide test reads the example cluster's dump and plugin fixtures instead.
  { file: 'docs/guides/audit-a-cluster.md', firstLine: /^kubectl (cluster-info dump|get) /, reason: 'needs a live cluster; the guide test uses saved objects instead' },
  { file: /^packages\/[^/]+\/README\.md$/, firstLine: /^(npm (i|install)|pnpm add|yarn add)\s/, reason: 'installs from the npm registry' },
];

/** The languages of blocks that show what the block before them prints. */
export const OUTPUT_LANGS = new Set(['text', 'console', 'output']);
/** The languages of blocks run as ES modules. */
export const MODULE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** isCliBlock reports whether a shell block only runs the `ipam` command (`ipam ...`, `npx ipam ...`, `kubectl ipam ...`), comments aside. */
export function isCliBlock(b: Block): boolean {
  if (b.lang !== 'sh' && b.lang !== 'bash' && b.lang !== 'shell') return false;
  const lines = b.code.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return lines.length > 0 && lines.every((l) => /^(npx )?(ipam|kubectl ipam|kubectl-ipam)(\s|$)/.test(l.trim()));
}

/** isCniConfigBlock reports whether a `json` block is a CNI network configuration (it has `cniVersion`). */
export function isCniConfigBlock(b: Block): boolean {
  return b.lang === 'json' && /"cniVersion"\s*:/.test(b.code);
}

/** What becomes of a block. */
export type Verdict =
  | { readonly kind: 'module' }
  | { readonly kind: 'cli' }
  | { readonly kind: 'cni-config' }
  | { readonly kind: 'output'; readonly of: number }
  | { readonly kind: 'covered'; readonly by: Coverage }
  | { readonly kind: 'exempt'; readonly reason: string; readonly where: 'marker' | 'harness' }
  | { readonly kind: 'unaccounted' };

/** classify decides the fate of every block of one file, in order. */
export function classify(blocks: readonly Block[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const b of blocks) verdicts.push(verdictOf(b, blocks, verdicts));
  return verdicts;
}

function verdictOf(b: Block, blocks: readonly Block[], before: readonly Verdict[]): Verdict {
  const notRun = b.markers.get('not-run');
  if (notRun !== undefined) return { kind: 'exempt', reason: notRun, where: 'marker' };
  const coverage = COVERED.find((c) => c.file === b.file && c.langs.includes(b.lang));
  if (coverage !== undefined) return { kind: 'covered', by: coverage };
  const first = b.code.split('\n')[0]!.trim();
  const exempt = OWNED_ELSEWHERE_EXEMPT.find((e) => (typeof e.file === 'string' ? e.file === b.file : e.file.test(b.file)) && e.firstLine.test(first));
  if (exempt !== undefined) return { kind: 'exempt', reason: exempt.reason, where: 'harness' };
  if (OUTPUT_LANGS.has(b.lang) && b.index > 0) {
    const prev = before[b.index - 1]!;
    if (prev.kind === 'module' || prev.kind === 'cli') return { kind: 'output', of: b.index - 1 };
  }
  if (MODULE_LANGS.has(b.lang)) return { kind: 'module' };
  if (isCliBlock(b)) return { kind: 'cli' };
  if (isCniConfigBlock(b)) return { kind: 'cni-config' };
  void blocks;
  return { kind: 'unaccounted' };
}

/** where names a block for messages: `docs/guides/x.md:12 (block 3, ts)`. */
export function where(b: Block): string {
  return `${b.file}:${b.line} (block ${b.index}, ${b.lang || 'no language'})`;
}

/** readBlocks reads and parses one markdown file. */
export function readBlocks(file: string): Block[] {
  return parseBlocks(file, readFileSync(join(ROOT, file), 'utf8'));
}

/** mentions reports whether a test's source names the markdown file by a path that resolves to it. */
export function mentions(test: string, file: string): boolean {
  const source = readFileSync(join(ROOT, test), 'utf8');
  const dir = join(ROOT, test, '..');
  for (const m of source.matchAll(/['"`]([^'"`\n]*?\.md)(\?raw)?['"`]/g)) {
    if (relative(ROOT, join(dir, m[1]!)) === file) return true;
  }
  return false;
}

/** extractsLang reports whether a test's source extracts fenced blocks of the language (` ```ts`, `(sh|ts|text)`, `'```' + lang`). */
export function extractsLang(test: string, lang: string): boolean {
  const source = readFileSync(join(ROOT, test), 'utf8');
  if (new RegExp('```\\(?(?:[a-z]+\\|)*' + lang + '\\b').test(source)) return true;
  // A helper taking the language as an argument: block(markdown, 'ts').
  return source.includes("'```' + lang") && new RegExp(`[(,]\\s*'${lang}'\\s*\\)`).test(source);
}
