// Conformance of hostLocalPlugin with the reference host-local (containernetworking-plugins 1.1.1): the same
// configurations and command sequences go to the real binary and to ours, and stdout, exit status and the data
// directory must match byte for byte. Without /usr/lib/cni/host-local these tests FAIL, they never skip.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRealBinary, type Call, conf, type Outcome, removeDir, runOursBin, runOursInProcess, runReal, snapshot, tempDir } from '../test/host-local-harness.js';

const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];

/** A step: a call whose stdin may contain DIR (the data directory); `code` compares only the error code. */
type Step = Call & { code?: boolean; prepare?: (dir: string) => void };

const roots: string[] = [];
beforeAll(() => assertRealBinary());
afterAll(() => roots.forEach(removeDir));

function fix(dir: string, s: string): string {
  return s.split('DIR').join(dir);
}

/** Runs the steps on both plugins, each on its own data directory, and compares everything. */
async function compare(steps: Step[], runner: (c: Call) => Outcome | Promise<Outcome> = runOursInProcess): Promise<Outcome[]> {
  const a = tempDir('real');
  const b = tempDir('ours');
  roots.push(a, b);
  const real: Outcome[] = [];
  const ours: Outcome[] = [];
  for (const s of steps) {
    s.prepare?.(a);
    s.prepare?.(b);
    const r = runReal({ ...s, stdin: fix(a, s.stdin) });
    const o = await runner({ ...s, stdin: fix(b, s.stdin) });
    r.stdout = fix('DIR', r.stdout.split(a).join('DIR'));
    o.stdout = o.stdout.split(b).join('DIR');
    if (s.code) {
      expect({ status: o.status, code: JSON.parse(o.stdout).code }, `${s.cmd} ${s.stdin}`).toEqual({ status: r.status, code: JSON.parse(r.stdout).code });
    } else {
      expect(o, `${s.cmd} ${s.id ?? ''} ${s.args ?? ''} ${s.stdin}`).toEqual(r);
    }
    real.push(r);
    ours.push(o);
  }
  expect(snapshot(b)).toEqual(snapshot(a));
  return real;
}

const add = (stdin: string, id = 'ctr1', more: Partial<Step> = {}): Step => ({ cmd: 'ADD', id, stdin, ...more });
const del = (stdin: string, id = 'ctr1', more: Partial<Step> = {}): Step => ({ cmd: 'DEL', id, stdin, ...more });
const check = (stdin: string, id = 'ctr1', more: Partial<Step> = {}): Step => ({ cmd: 'CHECK', id, stdin, ...more });

describe('hostLocalPlugin conformance with the reference host-local 1.1.1', () => {
  it.each(VERSIONS)('single stack ADD, DEL, re-ADD, duplicate ADD and CHECK with cniVersion %s', async (v) => {
    const c = conf({ dataDir: 'DIR', subnet: '10.10.0.0/24', routes: [{ dst: '0.0.0.0/0' }] }, {}, v);
    await compare([add(c, 'a'), add(c, 'b'), add(c, 'c'), del(c, 'b'), add(c, 'b'), add(c, 'a'), check(c, 'a'), check(c, 'zz'), del(c, 'a'), del(c, 'a'), add(c, 'd', { ifname: 'net1' })]);
  });

  it.each(VERSIONS)('dual stack with resolvConf, routes and two ranges in one set, cniVersion %s', async (v) => {
    const dns = (dir: string): void => writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.3\n  domain example.com\nsearch a.example b.example\n;x\noptions ndots:5\n');
    const c = conf(
      {
        dataDir: 'DIR',
        resolvConf: 'DIR/resolv.conf',
        ranges: [[{ subnet: '10.1.2.0/24' }, { subnet: '10.2.2.0/24' }], [{ subnet: '2001:db8:1::/64' }]],
        routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }, { dst: '192.168.0.0/16', gw: '1.1.1.1' }, { dst: '2001:db8:2::/64', gw: '2001:db8:3::1' }, { dst: '10.9.8.7/16' }],
      },
      {},
      v,
    );
    await compare([{ ...add(c, 'dummy'), prepare: dns }, add(c, 'other'), del(c, 'dummy'), add(c, 'third')]);
  });

  it('several range sets, wrap-around across ranges, exhaustion and release', async () => {
    const c = conf({
      dataDir: 'DIR',
      ranges: [
        [{ subnet: '10.3.0.0/29', rangeStart: '10.3.0.3', rangeEnd: '10.3.0.5' }, { subnet: '10.4.0.0/30' }],
        [{ subnet: '10.5.0.0/29', gateway: '10.5.0.4' }],
        [{ subnet: 'fd00:5::/125', rangeStart: 'fd00:5::2' }],
      ],
    });
    const steps: Step[] = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) steps.push(add(c, id));
    steps.push(del(c, 'b'), add(c, 'f'), add(c, 'g'), del(c, 'a'), del(c, 'c'), add(c, 'h'), add(c, 'i'), add(c, 'j'));
    await compare(steps);
  });

  it('requested IPs from CNI_ARGS, args.cni.ips and runtimeConfig.ips, and runtimeConfig.ipRanges', async () => {
    const ipam = { dataDir: 'DIR', ranges: [[{ subnet: '10.6.0.0/24' }], [{ subnet: 'fd00:6::/64' }]] };
    await compare([
      add(conf(ipam), 'a', { args: 'IP=10.6.0.50' }),
      add(conf(ipam), 'b', { args: 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.6.0.60/8' }),
      add(conf(ipam, { args: { cni: { ips: ['10.6.0.70', 'fd00:6::70'] } } }), 'c'),
      add(conf(ipam, { runtimeConfig: { ips: ['fd00:6::80/64'] } }), 'e'),
      add(conf(ipam, { runtimeConfig: { ipRanges: [[{ subnet: '10.7.0.0/24', rangeStart: '10.7.0.100' }]] } }), 'f'),
      add(conf(ipam), 'g', { args: 'IP=10.6.0.50' }),
      add(conf(ipam), 'h', { args: 'IP=10.6.0.1' }),
      add(conf(ipam), 'i', { args: 'IP=10.99.0.1' }),
      add(conf(ipam), 'j'),
      del(conf(ipam), 'a'),
      add(conf(ipam), 'k', { args: 'IP=10.6.0.50' }),
    ]);
  });

  it('two requested IPs in one range set fail with the same code as the reference', async () => {
    // Which of the two the reference reserves before failing follows Go's map order, so it differs from run
    // to run, and so does its last_reserved_ip: only the outcome is compared, on directories of their own.
    const stdin = conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.6.0.0/24' }], [{ subnet: 'fd00:6::/64' }]] }, { runtimeConfig: { ips: ['10.6.0.80/24', '::ffff:10.6.0.81'] } });
    const a = tempDir('real');
    const b = tempDir('ours');
    roots.push(a, b);
    const r = runReal({ cmd: 'ADD', id: 'd', stdin: fix(a, stdin) });
    const o = await runOursInProcess({ cmd: 'ADD', id: 'd', stdin: fix(b, stdin) });
    expect(r.status).toBe(1);
    expect({ status: o.status, code: JSON.parse(o.stdout).code }).toEqual({ status: r.status, code: JSON.parse(r.stdout).code });
  });

  it('a duplicate ADD fails and a failed ADD releases by (container, ifname)', async () => {
    const c = conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.70.0.0/24' }], [{ subnet: '10.71.0.0/24' }]] });
    await compare([add(c, 'c1'), add(c, 'c1', { args: 'IP=10.70.0.50' }), add(c, 'c2'), add(c, 'c1')]);
  });

  it('legacy store files (container id only) are found by CHECK, duplicate checks and DEL', async () => {
    const c = conf({ dataDir: 'DIR', subnet: '10.8.0.0/24' });
    const legacy = (dir: string): void => {
      mkdirSync(join(dir, 'net'), { recursive: true });
      writeFileSync(join(dir, 'net/10.8.0.9'), 'old');
      writeFileSync(join(dir, 'net/10.8.0.10'), '  old2 \n');
      writeFileSync(join(dir, 'net/last_reserved_ip.0'), '10.8.0.8');
    };
    await compare([{ ...add(c, 'new'), prepare: legacy }, add(c, 'old'), check(c, 'old2'), del(c, 'old'), add(c, 'old'), del(c, 'old2'), add(c, 'x')]);
  });

  it('a corrupt last_reserved_ip is ignored', async () => {
    const c = conf({ dataDir: 'DIR', subnet: '10.9.0.0/24' });
    const bad = (dir: string): void => {
      mkdirSync(join(dir, 'net'), { recursive: true });
      writeFileSync(join(dir, 'net/last_reserved_ip.0'), '10.9.0.7\n');
    };
    await compare([{ ...add(c, 'a'), prepare: bad }, add(c, 'b')]);
  });

  const base = conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' });
  const errorCases: [string, Step][] = [
    ['no CNI_COMMAND', { cmd: '', stdin: base }],
    ['missing variables for ADD', { ...add(base), env: { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined } }],
    ['missing CNI_PATH for DEL', { ...del(base), env: { CNI_PATH: undefined, CNI_IFNAME: undefined } }],
    ['unknown command', { cmd: 'FOO', stdin: base }],
    ['GC is unknown to 1.1.1', { cmd: 'GC', stdin: base }],
    ['VERSION', { cmd: 'VERSION', stdin: '' }],
    ['JSON syntax error', { ...add('{x'), code: true }],
    ['trailing garbage', { ...add(base + ' x'), code: true }],
    ['name is a number', add('{"cniVersion":"1.0.0","name":5}')],
    ['cniVersion is a number', add('{"cniVersion":1,"name":"n"}')],
    ['missing name', add('{"cniVersion":"1.0.0"}')],
    ['network name escaping the store', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, {}, '1.0.0', '../etc'))],
    ['network name with a slash', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, {}, '1.0.0', 'a/b'))],
    ['container id with a slash', add(base, 'a/../b')],
    ['container id starting with a dot', add(base, '..')],
    ['interface name too long', add(base, 'a', { ifname: 'eth0123456789abcdef' })],
    ['interface name ..', add(base, 'a', { ifname: '..' })],
    ['interface name with a colon', add(base, 'a', { ifname: 'a:b' })],
    ['unsupported version', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, {}, '9.9.9'))],
    ['version 1.1.0', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, {}, '1.1.0'))],
    ['unparsable version for CHECK', check(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, {}, 'abc'))],
    ['CHECK with 0.3.1', check(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, {}, '0.3.1'))],
    ['CHECK with no version', check('{"name":"n","ipam":{"type":"host-local"}}')],
    ['CHECK of an unknown container', check(base, 'nobody')],
    ['no ipam', add('{"cniVersion":"1.0.0","name":"n"}')],
    ['no ranges', add(conf({ dataDir: 'DIR', ranges: [] }))],
    ['empty range set', add(conf({ dataDir: 'DIR', ranges: [[]] }))],
    ['unparsable subnet', add(conf({ dataDir: 'DIR', subnet: 'usePodCidr' }))],
    ['unparsable rangeStart', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.0.0/24', rangeStart: 'bogus' }]] }))],
    ['unparsable route', add(conf({ dataDir: 'DIR', subnet: '10.1.0.0/24', routes: [{ dst: 'bad' }] }))],
    ['host bits', add(conf({ dataDir: 'DIR', subnet: '10.1.0.5/24' }))],
    ['subnet too small', add(conf({ dataDir: 'DIR', subnet: '10.1.0.0/31' }))],
    ['v6 subnet too small', add(conf({ dataDir: 'DIR', subnet: 'fd00::/127' }))],
    ['rangeStart outside', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.0.0/24', rangeStart: '10.2.0.1' }]] }))],
    ['rangeStart after rangeEnd', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.0.0/24', rangeStart: '10.1.0.9', rangeEnd: '10.1.0.5' }]] }))],
    ['rangeEnd outside', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.0.0/24', rangeEnd: '10.1.1.5' }]] }))],
    ['overlap inside a set', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.0.0/22' }, { subnet: '10.1.2.0/24' }]] }))],
    ['overlap across sets', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: '10.1.4.0/24' }, { subnet: '10.1.2.0/24' }]] }))],
    ['mixed families', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.0.0/22' }, { subnet: '2001:db8:5::/64' }]] }))],
    ['0.2.0 with two IPv4 sets', add(conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.1.2.0/24' }], [{ subnet: '11.1.2.0/24' }]] }, {}, '0.2.0'))],
    ['lower-case ip in CNI_ARGS', add(base, 'a', { args: 'ip=10.11.0.9' })],
    ['unparsable IP in CNI_ARGS', add(base, 'a', { args: 'IP=foo' })],
    ['comma list in CNI_ARGS', add(base, 'a', { args: 'IP=10.11.0.7,10.11.0.8' })],
    ['two = in a pair', add(base, 'a', { args: 'IP=10.11.0.9=x' })],
    ['trailing ;', add(base, 'a', { args: 'IP=10.11.0.9;' })],
    ['bad IgnoreUnknown', add(base, 'a', { args: 'IgnoreUnknown=yes;IP=10.11.0.9' })],
    ['K8S args without IgnoreUnknown', add(base, 'a', { args: 'K8S_POD_NAME=x;K8S_POD_NAMESPACE=y' })],
    ['bad args.cni.ips', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24' }, { args: { cni: { ips: ['bogus'] } } }))],
    ['requested gateway', add(base, 'a', { args: 'IP=10.11.0.1' })],
    ['requested outside every set', add(base, 'a', { args: 'IP=192.0.2.1' })],
    ['missing resolvConf', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24', resolvConf: '/nonexistent/resolv.conf' }))],
    ['resolvConf is a directory', add(conf({ dataDir: 'DIR', subnet: '10.11.0.0/24', resolvConf: '/tmp' }))],
    ['case-insensitive JSON keys', add('{"cniVersion":"1.0.0","Name":"net","IPAM":{"type":"host-local","DataDir":"DIR","Subnet":"10.12.0.0/24"}}')],
    ['legacy range fields without subnet are ignored', add(conf({ dataDir: 'DIR', rangeStart: '10.1.0.5', ranges: [[{ subnet: '10.13.0.0/24' }]] }))],
  ];
  it.each(errorCases)('%s', async (_, step) => {
    await compare([step]);
  });

  it.each(VERSIONS)('exhaustion of a /30 and the error with cniVersion %s', async (v) => {
    const c = conf({ dataDir: 'DIR', subnet: '10.14.0.0/30' }, {}, v);
    await compare([add(c, 'a'), add(c, 'b'), del(c, 'a'), add(c, 'b'), add(c, 'c')]);
  });

  it('the built executable agrees with the reference too', async () => {
    const c = conf({ dataDir: 'DIR', ranges: [[{ subnet: '10.15.0.0/29' }], [{ subnet: 'fd00:15::/120' }]] }, {}, '0.4.0');
    await compare([add(c, 'a'), add(c, 'b'), check(c, 'a'), del(c, 'a'), add(c, 'c'), add(c, 'c'), { cmd: 'VERSION', stdin: '' }, { cmd: '', stdin: c }, add('{x', 'a', { code: true })], runOursBin);
  });
});

interface Vector {
  id: string;
  group: string;
  binaryCheckable?: boolean;
  input: { rangeSet?: Record<string, string>[]; reserved?: Record<string, string>; lastReservedIP?: string | null; containerID?: string; ifname?: string; requestedIP?: string };
  expected: { ip?: string; error?: string; errorPrefix?: string; pluginError?: string };
}

/** ../shared/vectors/cni-hostlocal.json beside the repository (CI has it too); missing is an error, never a skip. */
const VECTORS = fileURLToPath(new URL('../../../../shared/vectors/cni-hostlocal.json', import.meta.url));

function readVectors(): Vector[] {
  if (!existsSync(VECTORS)) throw new Error(`the host-local vectors are missing: expected them at ${VECTORS} (../shared/vectors beside the repository)`);
  return (JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: Vector[] }).vectors;
}

const getVectors = readVectors().filter((v) => v.group === 'allocator.get' && v.binaryCheckable !== false);

describe('hostLocalPlugin on the upstream allocator vectors', () => {
  it.each(getVectors.map((v) => [v.id, v] as const))('%s', async (_, v) => {
    const c = conf({ dataDir: 'DIR', ranges: [v.input.rangeSet] });
    const prepare = (dir: string): void => {
      mkdirSync(join(dir, 'net'), { recursive: true });
      for (const [ip, content] of Object.entries(v.input.reserved ?? {})) writeFileSync(join(dir, 'net', ip), content);
      if (v.input.lastReservedIP) writeFileSync(join(dir, 'net/last_reserved_ip.0'), v.input.lastReservedIP);
    };
    const args = v.input.requestedIP === undefined ? '' : `IP=${v.input.requestedIP}`;
    const [r] = await compare([{ ...add(c, v.input.containerID ?? 'ID', { ifname: v.input.ifname ?? 'eth0', args }), prepare }]);
    const out = JSON.parse(r!.stdout);
    if (v.expected.ip !== undefined) expect(out.ips[0].address.split('/')[0]).toBe(v.expected.ip);
    else if (v.expected.pluginError !== undefined) expect(out.msg).toBe(v.expected.pluginError);
    else expect(out.msg).toContain(v.expected.errorPrefix ?? v.expected.error);
  });
});
