import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEtcd } from './etcd.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function range(endpoint: string): Promise<unknown> {
  const res = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) });
  return ((await res.json()) as { header?: { revision?: string } }).header?.revision;
}

const started: string[] = [];

describe('startEtcd (test harness)', () => {
  it('runs one member, answers on its endpoint, and leaves no process or data dir after stop', async () => {
    const etcd = await startEtcd();
    const m = etcd.members[0]!;
    started.push(m.dataDir);
    expect(etcd.endpoints).toEqual([m.clientUrl]);
    expect(await range(m.clientUrl)).toBe('1');
    expect(await etcd.leader()).toBe(0);
    const pid = m.pid!;
    expect(alive(pid)).toBe(true);
    await etcd.stop();
    await etcd.stop();
    expect([m.running, alive(pid), existsSync(m.dataDir)]).toEqual([false, false, false]);
  });

  it('runs three members, elects a leader, and a killed leader can be restarted on its data', async () => {
    const etcd = await startEtcd({ members: 3 });
    started.push(...etcd.members.map((x) => x.dataDir));
    try {
      const leader = await etcd.leader();
      await etcd.kill(leader);
      expect(etcd.members[leader]!.running).toBe(false);
      const next = await etcd.leader();
      expect(next).not.toBe(leader);
      await etcd.restart(leader);
      expect(etcd.members.every((x) => x.running)).toBe(true);
      expect(await range(etcd.endpoints[leader]!)).toBe('1');
    } finally {
      await etcd.stop();
    }
    expect(etcd.members.some((x) => x.running)).toBe(false);
  });

  it('throws a clear error when the binary is missing or exits during startup', async () => {
    await expect(startEtcd({ binary: '/nonexistent/etcd' })).rejects.toThrow(/\/nonexistent\/etcd not found; install Debian's etcd-server/);
    await expect(startEtcd({ binary: '/bin/false' })).rejects.toThrow(/etcd member m0 exited during startup/);
    const dir = mkdtempSync(join(tmpdir(), 'ipam-fake-etcd-'));
    try {
      const silent = join(dir, 'etcd');
      writeFileSync(silent, '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
      await expect(startEtcd({ binary: silent, timeoutMs: 500 })).rejects.toThrow(/m0 not healthy within 500 ms/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kills its etcd and removes the data dir when the process running the harness dies by SIGKILL', async () => {
    // Run the harness in a separate node process (transpiled on the fly), then SIGKILL that process.
    const ts = await import('typescript');
    const dir = mkdtempSync(join(tmpdir(), 'ipam-harness-'));
    try {
      const src = readFileSync(new URL('./etcd.ts', import.meta.url), 'utf8');
      const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(join(dir, 'etcd.mjs'), js.outputText);
      writeFileSync(
        join(dir, 'main.mjs'),
        "import { startEtcd } from './etcd.mjs';\n" +
          'const e = await startEtcd();\n' +
          'console.log(JSON.stringify({ pid: e.members[0].pid, dataDir: e.members[0].dataDir }));\n' +
          'setInterval(() => {}, 1000);\n',
      );
      const child = spawn(process.execPath, [join(dir, 'main.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', (code) => reject(new Error(`harness child exited early (${code}): ${out}`)));
      });
      const { pid, dataDir } = JSON.parse(line) as { pid: number; dataDir: string };
      expect([alive(pid), existsSync(dataDir)]).toEqual([true, true]);
      child.kill('SIGKILL');
      const deadline = Date.now() + 10_000;
      while ((alive(pid) || existsSync(dataDir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect([alive(pid), existsSync(dataDir)]).toEqual([false, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no etcd of these tests running and no data dir behind', () => {
    const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    for (const dir of started) {
      expect(out).not.toContain(dir);
      expect(existsSync(dir)).toBe(false);
    }
    expect(started.length).toBe(4);
  });
});
