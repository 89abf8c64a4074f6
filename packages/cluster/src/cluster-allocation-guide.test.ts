/**
 * Runs every code block of docs/guides/cluster-allocation-etcd.md in order, the way a reader would: the first `sh`
 * block starts a real etcd (Debian's /usr/bin/etcd; the test fails when it cannot), the other `sh` blocks run in one
 * scratch directory with the built `ipam-cluster` executable on PATH, and the `ts` block runs as an ES module against
 * this package's build. The guide's ports (2379, 2380) and data directory are replaced by free ones. What a block
 * prints must equal the `text` block that follows it (or be empty when none follows), so the guide cannot rot.
 *
 * UPDATE_GUIDE=1 npx vitest run src/cluster-allocation-guide.test.ts writes what the blocks print into the guide;
 * review the diff.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCD_BINARY, freePort } from '../test/etcd.js';

const GUIDE_URL = new URL('../../../docs/guides/cluster-allocation-etcd.md', import.meta.url);
const GUIDE = readFileSync(GUIDE_URL, 'utf8');
const BIN = fileURLToPath(new URL('../dist/bin/ipam-cluster.cjs', import.meta.url));

interface Block {
  readonly lang: 'sh' | 'ts' | 'text';
  readonly code: string;
}
const blocks: Block[] = [...GUIDE.matchAll(/```(sh|ts|text)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] as Block['lang'], code: m[2]! }));

let dir: string;
let etcd: ChildProcess | undefined;
let moduleFile: string | undefined;
let client: string;
let peer: string;

function sub(code: string): string {
  return code.replaceAll('127.0.0.1:2379', client).replaceAll('127.0.0.1:2380', peer).replaceAll('/tmp/etcd-ipam', join(dir, 'etcd-data'));
}

function sh(code: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('/bin/sh', ['-c', code], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      // A block may end in a failing command on purpose (CHECK): its output is what counts, unless it wrote to stderr.
      if (err !== null && (stderr !== '' || err.killed)) reject(new Error(`guide block failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end();
  });
}

const killEtcd = (): void => {
  if (etcd?.exitCode === null) etcd.kill('SIGKILL');
};

beforeAll(async () => {
  if (!existsSync(ETCD_BINARY)) throw new Error(`${ETCD_BINARY} not found; install Debian's etcd-server (apt-get install -y etcd-server)`);
  dir = mkdtempSync(join(tmpdir(), 'ipam-cluster-guide-'));
  client = `127.0.0.1:${await freePort()}`;
  peer = `127.0.0.1:${await freePort()}`;
  const start = blocks[0]!;
  expect(start.lang).toBe('sh');
  expect(start.code.startsWith('etcd ')).toBe(true);
  // The guide runs etcd in the background (`&`); here it is this process's child, killed after the tests.
  const command = `exec ${ETCD_BINARY}${sub(start.code).trim().replace(/&$/, '').slice('etcd'.length)}`;
  let log = '';
  etcd = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
  etcd.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  etcd.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  process.once('exit', killEtcd);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (etcd.exitCode !== null) throw new Error(`etcd from the guide exited:\n${log}`);
    const ok = await fetch(`http://${client}/health`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => ((await r.json()) as { health?: string }).health === 'true')
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`etcd from the guide not healthy within 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // `ipam-cluster` on PATH, as `npm install -g @ipam/cluster` puts it there.
  mkdirSync(join(dir, 'bin'));
  symlinkSync(BIN, join(dir, 'bin', 'ipam-cluster'));
});

afterAll(async () => {
  killEtcd();
  process.removeListener('exit', killEtcd);
  if (moduleFile !== undefined) rmSync(moduleFile, { force: true });
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('docs/guides/cluster-allocation-etcd.md', () => {
  it('has runnable blocks, each text block after one', () => {
    expect(blocks.filter((b) => b.lang === 'sh').length).toBe(5);
    expect(blocks.filter((b) => b.lang === 'ts').length).toBe(1);
    blocks.forEach((b, i) => {
      if (b.lang === 'text') expect(blocks[i - 1]?.lang).not.toBe('text');
    });
  });

  it('prints what the guide says, block by block', async () => {
    const env = { PATH: `${join(dir, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, LANG: 'C' };
    const printed: string[] = [];
    const expected: string[] = [];
    for (let i = 1; i < blocks.length; i++) {
      const b = blocks[i]!;
      if (b.lang === 'text') continue;
      let out: string;
      if (b.lang === 'sh') out = await sh(sub(b.code), env);
      else {
        // In the package directory, so that `@ipam/cluster` resolves to this package's build.
        moduleFile = fileURLToPath(new URL(`../.guide-cluster-${process.pid}.mjs`, import.meta.url));
        writeFileSync(moduleFile, ts.transpileModule(sub(b.code), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
        out = await new Promise<string>((resolve, reject) =>
          execFile(process.execPath, [moduleFile!], { cwd: dir, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
            err === null ? resolve(stdout) : reject(new Error(`guide ts block failed: ${err.message}\n${stderr}`)),
          ),
        );
      }
      const next = blocks[i + 1];
      if (next?.lang === 'text') {
        printed.push(out);
        expected.push(next.code);
      } else expect(out, `block ${i} (${b.lang}) prints nothing in the guide`).toBe('');
    }
    if (process.env['UPDATE_GUIDE'] === '1') {
      let k = 0;
      writeFileSync(GUIDE_URL, GUIDE.replace(/```text\n[\s\S]*?```/g, () => `\`\`\`text\n${printed[k++] ?? ''}\`\`\``));
    }
    expect(printed).toEqual(expected);
  });
});
