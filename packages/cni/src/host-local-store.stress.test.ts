// Interop, load and crash safety of the host-local store: the reference binary and ours take turns on one
// data directory, run concurrently, and ours is killed with SIGKILL at random points; no address is ever held
// twice and the store stays readable by both.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRealBinary, conf, type Outcome, removeDir, runOursInProcess, runReal, spawnAsync, tempDir } from '../test/host-local-harness.js';

const roots: string[] = [];
beforeAll(() => assertRealBinary());
afterAll(() => roots.forEach(removeDir));

function fresh(): string {
  const d = tempDir('stress');
  roots.push(d);
  return d;
}

/** Reads a network directory: lease file → owner; throws on anything both plugins could not read. */
function leases(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of readdirSync(join(dir, 'net'))) {
    const data = readFileSync(join(dir, 'net', n), 'latin1');
    if (n === 'lock') continue;
    if (n.startsWith('last_reserved_ip.')) {
      expect(data, n).toMatch(/^(10\.20\.[0-9]+\.[0-9]+|fd00:20::[0-9a-f]+)$/);
      continue;
    }
    expect(data, n).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*\r\neth0$/);
    out.set(n, data);
  }
  return out;
}

function ipsOf(o: Outcome): string[] {
  expect(o.status, o.stdout + (o.stderr ?? '')).toBe(0);
  return (JSON.parse(o.stdout).ips as { address: string }[]).map((x) => x.address.split('/')[0]!);
}

describe('host-local store shared by the reference binary and ours', () => {
  it('200 random ADD/DELs alternating between the two never hold an address twice', async () => {
    const dir = fresh();
    const c = conf({ dataDir: dir, ranges: [[{ subnet: '10.20.0.0/28' }], [{ subnet: 'fd00:20::/124' }]] });
    const held = new Map<string, string>(); // ip -> container
    const live = new Set<string>();
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 200; i++) {
      const run = i % 2 === 0 ? runReal : runOursInProcess;
      if (live.size > 0 && (rnd(3) === 0 || live.size >= 13)) {
        const id = [...live][rnd(live.size)]!;
        expect((await run({ cmd: 'DEL', id, stdin: c })).status).toBe(0);
        live.delete(id);
        for (const [ip, who] of held) if (who === id) held.delete(ip);
      } else {
        const id = `c${i}`;
        for (const ip of ipsOf(await run({ cmd: 'ADD', id, stdin: c }))) {
          expect(held.get(ip), `${ip} handed out twice`).toBeUndefined();
          held.set(ip, id);
        }
        live.add(id);
      }
      const disk = leases(dir);
      expect(new Map([...disk].map(([ip, o]) => [ip, o.split('\r\n')[0]!]))).toEqual(held);
    }
  }, 60_000);

  it.each([
    ['50 concurrent ADDs of ours', 0],
    ['50 concurrent ADDs, half of them the reference binary', 25],
  ])('%s get distinct addresses and lose none', async (_, reals) => {
    const dir = fresh();
    const c = conf({ dataDir: dir, ranges: [[{ subnet: '10.20.0.0/24' }], [{ subnet: 'fd00:20::/120' }]] });
    const runs = Array.from({ length: 50 }, (_, i) => spawnAsync(i % 2 === 1 && i < 2 * reals ? 'real' : 'ours', { cmd: 'ADD', id: `p${i}`, stdin: c }));
    const outs = await Promise.all(runs);
    const all = outs.flatMap(ipsOf);
    expect(new Set(all).size).toBe(100);
    const disk = leases(dir);
    expect(disk.size).toBe(100);
    for (const [i, o] of outs.entries()) for (const ip of ipsOf(o)) expect(disk.get(ip)).toBe(`p${i}\r\neth0`);
  }, 90_000);

  it('100 runs killed with SIGKILL at random points leave a store both plugins use correctly', async () => {
    const dir = fresh();
    const c = conf({ dataDir: dir, ranges: [[{ subnet: '10.20.0.0/24' }], [{ subnet: 'fd00:20::/120' }]] });
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let batch = 0; batch < 25; batch++) {
      const kills: Promise<Outcome>[] = [];
      for (let j = 0; j < 4; j++) {
        const i = batch * 4 + j;
        const p = spawnAsync('ours', { cmd: rnd(4) === 0 ? 'DEL' : 'ADD', id: `k${rnd(30)}`, stdin: c });
        setTimeout(() => p.kill(), 30 + rnd(400));
        kills.push(p);
        void i;
      }
      await Promise.all(kills);
    }
    // Whatever survived is well-formed; each container holds at most one address per family.
    const disk = leases(dir);
    const per = new Map<string, number>();
    for (const o of disk.values()) per.set(o, (per.get(o) ?? 0) + 1);
    for (const [o, n] of per) expect(n, o).toBeLessThanOrEqual(2);
    // No temporary file is visible to the reference plugin, and both plugins still work on the store.
    expect(readdirSync(join(dir, 'net')).filter((n) => n.includes('.tmp'))).toEqual([]);
    const a = ipsOf(runReal({ cmd: 'ADD', id: 'after-real', stdin: c }));
    const b = ipsOf(await runOursInProcess({ cmd: 'ADD', id: 'after-ours', stdin: c }));
    for (const ip of [...a, ...b]) expect(disk.has(ip)).toBe(false);
    expect(new Set([...a, ...b]).size).toBe(4);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    for (const id of [...new Set([...disk.values()].map((o) => o.split('\r\n')[0]!)), 'after-real', 'after-ours']) {
      expect((id.length % 2 === 0 ? runReal : runOursInProcess) === runReal ? runReal({ cmd: 'DEL', id, stdin: c }).status : (await runOursInProcess({ cmd: 'DEL', id, stdin: c })).status).toBe(0);
    }
    expect(leases(dir).size).toBe(0);
  }, 120_000);
});
