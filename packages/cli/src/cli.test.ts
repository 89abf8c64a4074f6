import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Addr, Prefix, specialRangesOf } from '@ipam/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// The kubernetes package's stand-in for kube-apiserver (HTTPS with a test CA; no real API server can be had here).
import { listsOfDump, startFakeApiServer } from '../../kubernetes/test/fake-apiserver.js';
import { writeKubeconfig } from '../../kubernetes/test/kubeconfig.js';
import { makeTestPki } from '../../kubernetes/test/test-pki.js';
import { elements, parseXml } from './internal/xml.js';
import { run } from './index.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(PKG, 'dist/bin/ipam.cjs');
const KUBECTL_BIN = join(PKG, 'dist/bin/kubectl-ipam.cjs');
const EXAMPLE_DUMP = join(ROOT, 'examples/example-cluster/cluster-info-dump.txt');
const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const CALICO = join(ROOT, 'packages/kubernetes/test/fixtures/plugins/calico');
const tmp = mkdtempSync(join(tmpdir(), 'ipam-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the built `ipam` as a subprocess, without a terminal and without NO_COLOR. */
function ipam(args: string[], options: { input?: string; bin?: string } = {}): { code: number; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['NO_COLOR'];
  const r = spawnSync(process.execPath, [options.bin ?? BIN, ...args], { cwd: tmp, encoding: 'utf8', env, input: options.input ?? '', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
/** ipam, without blocking this process: for tests whose servers (the fake API server) live in this process. */
function ipamAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env['NO_COLOR'];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', env, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}
const json = (args: string[]): { code: number; doc: Record<string, unknown> } => {
  const r = ipam([...args, '-o', 'json']);
  return { code: r.code, doc: JSON.parse(r.stdout) as Record<string, unknown> };
};

/** Runs `ipam` in-process with the given terminal and environment. */
async function inProcess(args: string[], io: { isTTY?: boolean; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: io.isTTY ?? false, stderrIsTTY: false, env: io.env ?? {}, cwd: tmp });
  return { code, stdout, stderr };
}

describe('ipam calc', () => {
  it('describes a prefix, an address with its prefix length, a range and an address, exactly', () => {
    const { code, doc } = json(['calc', '10.244.0.0/22', '10.244.1.7/16', '10.0.0.5-10.0.0.17', 'fe80::1']);
    expect(code).toBe(0);
    expect(doc).toEqual({
      schemaVersion: 1,
      command: 'calc',
      items: [
        {
          input: '10.244.0.0/22', kind: 'prefix', prefix: '10.244.0.0/22', hostBitsSet: false, family: 4, bits: 22,
          first: '10.244.0.0', last: '10.244.3.255', size: '1024', netmask: '255.255.252.0', hostmask: '0.0.3.255',
          previous: '10.243.252.0/22', next: '10.244.4.0/22', special: [{ prefix: '10.0.0.0/8', name: 'Private-Use', rfc: 'RFC 1918' }],
        },
        {
          input: '10.244.1.7/16', kind: 'prefix', prefix: '10.244.0.0/16', hostBitsSet: true, family: 4, bits: 16,
          first: '10.244.0.0', last: '10.244.255.255', size: '65536', netmask: '255.255.0.0', hostmask: '0.0.255.255',
          previous: '10.243.0.0/16', next: '10.245.0.0/16', special: [{ prefix: '10.0.0.0/8', name: 'Private-Use', rfc: 'RFC 1918' }],
        },
        {
          input: '10.0.0.5-10.0.0.17', kind: 'range', range: '10.0.0.5-10.0.0.17', family: 4, first: '10.0.0.5', last: '10.0.0.17', size: '13',
          prefixes: ['10.0.0.5/32', '10.0.0.6/31', '10.0.0.8/29', '10.0.0.16/31'], special: [{ prefix: '10.0.0.0/8', name: 'Private-Use', rfc: 'RFC 1918' }],
        },
        { input: 'fe80::1', kind: 'address', address: 'fe80::1', family: 6, special: [{ prefix: 'fe80::/10', name: 'Link-Local Unicast', rfc: 'RFC 4291' }] },
      ],
    });
  });

  it('has no previous prefix at the bottom of the space and no next one at the top', () => {
    const { doc } = json(['calc', '0.0.0.0/1', '128.0.0.0/1']);
    const items = doc.items as { previous: unknown; next: unknown }[];
    expect(items.map((i) => [i.previous, i.next])).toEqual([[null, '128.0.0.0/1'], ['0.0.0.0/1', null]]);
  });

  it('summarizes, excludes and splits', () => {
    expect(json(['calc', 'summarize', '10.0.0.0/25', '10.0.0.128/25', '10.0.1.0-10.0.1.255', '10.0.2.0']).doc).toEqual({
      schemaVersion: 1, command: 'calc summarize', input: ['10.0.0.0/25', '10.0.0.128/25', '10.0.1.0-10.0.1.255', '10.0.2.0'], prefixes: ['10.0.0.0/23', '10.0.2.0/32'],
    });
    expect(json(['calc', 'exclude', '10.0.0.0/8', '10.96.0.0/12']).doc).toEqual({
      schemaVersion: 1, command: 'calc exclude', from: '10.0.0.0/8', exclude: ['10.96.0.0/12'], prefixes: ['10.0.0.0/10', '10.64.0.0/11', '10.112.0.0/12', '10.128.0.0/9'],
    });
    expect(json(['calc', 'split', '10.244.0.0/22', '--into', '24']).doc).toEqual({
      schemaVersion: 1, command: 'calc split', prefix: '10.244.0.0/22', into: 24, count: 4, prefixes: ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24'],
    });
    expect(ipam(['calc', 'exclude', '10.0.0.0/8', '10.96.0.0/12']).stdout).toBe('10.0.0.0/10\n10.64.0.0/11\n10.112.0.0/12\n10.128.0.0/9\n');
  });

  it('prints the same facts as a table, and as YAML', async () => {
    await expect(ipam(['calc', '10.244.0.0/22', '2001:db8::/32']).stdout).toMatchFileSnapshot('__snapshots__/calc.txt');
    expect(ipam(['calc', 'split', '10.0.0.0/23', '--into', '24', '-o', 'yaml']).stdout).toBe(
      'schemaVersion: 1\ncommand: calc split\nprefix: 10.0.0.0/23\ninto: 24\ncount: 2\nprefixes:\n  - 10.0.0.0/24\n  - 10.0.1.0/24\n',
    );
  });

  it('agrees with @ipam/core for any prefix (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }), async (v4, value, bits) => {
        const a = v4 ? Addr.fromBigInt(value & 0xffffffffn, 4) : Addr.fromBigInt(value, 6);
        const p = a.prefix(Math.min(bits, a.bitLength));
        const r = await inProcess(['calc', p.toString(), '-o', 'json']);
        expect(r.code).toBe(0);
        const item = (JSON.parse(r.stdout) as { items: Record<string, unknown>[] }).items[0]!;
        expect(item).toMatchObject({ prefix: p.toString(), first: p.first().toString(), last: p.last().toString(), size: p.size.toString(), bits: p.bits });
        expect(Prefix.parse(item.netmask + (p.family === 4 ? '/32' : '/128')).addr.toBigInt() + Addr.parse(item.hostmask as string).toBigInt()).toBe(v4 ? 0xffffffffn : (1n << 128n) - 1n);
        expect((item.special as { prefix: string }[]).map((s) => s.prefix)).toEqual(specialRangesOf(p).map((s) => s.prefix.toString()));
        if (item.next !== null) expect(Prefix.parse(item.next as string).first().toBigInt()).toBe(p.last().toBigInt() + 1n);
        if (item.previous !== null) expect(Prefix.parse(item.previous as string).last().toBigInt()).toBe(p.first().toBigInt() - 1n);
      }),
      { numRuns: 150 },
    );
  });
});

describe('ipam: usage errors, failures and colors', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"', 'the commands are calc, plan, audit, which, cni'],
    [['calc', '10.0.0.0/33'], 'not an address, prefix or range: "10.0.0.0/33": Prefix.parse("10.0.0.0/33"): prefix length out of range for IPv4 (0…32)', 'write 10.0.0.1'],
    [['calc', '--into'], "Option '--into <value>' argument missing", 'see ipam calc --help'],
    [['calc', 'split', '10.0.0.0/8', '--into', '32'], '10.0.0.0/8 splits into 16777216 /32 prefixes, more than the limit of 65536', 'raise --limit'],
    [['calc', '10.0.0.0/8', '-o', 'xml'], '--output must be table, json or yaml, got "xml"', '-o json'],
    [['plan', '--nodes', 'ten', '--pods-per-node', '110', '--services', '10'], '--nodes must be a whole number ≥ 1, got "ten"', 'ipam plan --nodes'],
    [['audit'], 'nothing to read: give --dump, --file, --cni-dir or --kubeconfig/--context', 'kubectl cluster-info dump -A | ipam audit --dump -'],
    [['audit', '--dump', EXAMPLE_DUMP, '--external', '10.0.0.1/8'], '--external is not a CIDR without host bits: "10.0.0.1/8"', 'write --external 10.0.0.0/16=vpn'],
    [['audit', '--dump', EXAMPLE_DUMP, '--fail-on', 'info'], '--fail-on must be error, warning or never, got "info"', '--fail-on warning'],
    [['cni'], 'cni needs a subcommand', 'ipam cni lint'],
  ])('%j exits 2 with one line and a hint', (args, message, hint) => {
    const r = ipam(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [line, hintLine, end] = r.stderr.split('\n');
    expect(line).toBe(`ipam: ${message}`);
    expect(hintLine).toContain(`hint: ${hint}`);
    expect(end).toBe('');
  });

  it('exits 1 with the library error and its code when the input cannot be read', () => {
    const r = ipam(['audit', '--file', join(tmp, 'missing.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ipam: .*missing\.json.*\(ERR_K8S_IO\)\nhint: check the path/);
  });

  it('colors only on a terminal, never with NO_COLOR or --no-color', async () => {
    const esc = '\u001b[';
    expect((await inProcess(['frobnicate'], { isTTY: true })).stderr).toContain(esc);
    expect((await inProcess(['frobnicate'], { isTTY: false })).stderr).not.toContain(esc);
    expect((await inProcess(['frobnicate'], { isTTY: true, env: { NO_COLOR: '1' } })).stderr).not.toContain(esc);
    expect((await inProcess(['calc', 'bad', '--no-color'], { isTTY: true })).stderr).not.toContain(esc);
    // subprocess output is a pipe: no colors
    expect(ipam(['audit', '--dump', EXAMPLE_DUMP]).stdout).not.toContain(esc);
  });

  it('prints the version of its package.json', () => {
    const { version } = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as { version: string };
    expect(ipam(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints help for every command, with examples, under its own name', () => {
    for (const c of ['calc', 'plan', 'audit', 'which', 'cni']) {
      const r = ipam([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: ipam ${c} `));
      expect(r.stdout).toContain('Examples:\n  ');
    }
    const k = ipam(['audit', '--help'], { bin: KUBECTL_BIN });
    expect(k.stdout).toMatch(/^Usage: kubectl ipam audit /);
    expect(k.stdout).toContain('kubectl cluster-info dump -A | kubectl ipam audit --dump -');
    expect(ipam([]).code).toBe(2);
    expect(ipam(['--help']).stdout).toContain('Exit codes: 0 ok, 1 failure, 2 usage error, 3 audit warnings (--fail-on warning), 4 audit errors.');
  });

  it('is installed as ipam and kubectl-ipam for packages that depend on it', () => {
    // docs depends on @ipam/cli, so pnpm links both bins into docs/node_modules/.bin, as npm does for an install.
    for (const [bin, name] of [['ipam', 'ipam'], ['kubectl-ipam', 'kubectl ipam']] as const) {
      const out = execFileSync(join(ROOT, 'docs/node_modules/.bin', bin), ['--help'], { encoding: 'utf8' });
      expect(out).toContain(`Usage: ${name} <command> [options]`);
    }
  });
});

describe('ipam audit', () => {
  it('reports the example cluster, exits 4 on errors, and writes its address map', () => {
    const svg = join(tmp, 'out/map.svg');
    const r = ipam(['audit', '--dump', EXAMPLE_DUMP, '--external', '10.96.64.0/18=vpn', '--svg', svg, '-o', 'json']);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; clusterCIDRs: string[]; counts: unknown; report: { findings: { code: string; objects: string[] }[] } };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.clusterCIDRs).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
    expect(doc.report.findings.map((f) => [f.code, f.objects[0]])).toEqual([
      ['NODE_POD_CIDRS_OVERLAP', 'Node/worker-2'],
      ['POD_IP_DUPLICATE', 'Pod default/web-1'],
      ['POD_IP_OUTSIDE_CLUSTER_CIDR', 'Pod default/legacy-batch-7f9c'],
      ['SERVICE_CIDR_OVERLAPS_EXTERNAL', 'service CIDR 10.96.0.0/12'],
      ['SERVICE_IP_OUTSIDE_SERVICE_CIDR', 'Service default/reporting'],
      ['CLUSTER_CIDR_SETTINGS_DISAGREE', 'Setting kube-controller-manager clusterCIDR (Pod kube-system/kube-controller-manager-cp-1, path: spec.containers[0].command[4])'],
    ]);
    expect(r.stderr).toBe(`address map written to ${svg}\n`);
    const root = parseXml(readFileSync(svg, 'utf8'));
    expect(root.name).toBe('svg');
    const titles = elements(root).filter((e) => e.name === 'title').map((e) => e.text);
    expect(titles.some((t) => t.includes('10.244.2.0/24') && t.includes('worker-2'))).toBe(true);
    expect(titles.some((t) => t.includes('10.96.0.0/12'))).toBe(true);
  });

  it('exits by --fail-on: 0 with never, 4 on errors, 3 on warnings only', () => {
    expect(ipam(['audit', '--dump', EXAMPLE_DUMP, '--fail-on', 'never']).code).toBe(0);
    // the minikube excerpt has no errors; what it has is in the snapshot below
    const mk = join(CORPUS, 'cluster-info-dump-minikube-excerpt.txt');
    const counts = (JSON.parse(ipam(['audit', '--dump', mk, '-o', 'json']).stdout) as { report: { counts: { error: number; warning: number } } }).report.counts;
    expect(counts.error).toBe(0);
    expect(ipam(['audit', '--dump', mk, '--fail-on', 'warning']).code).toBe(counts.warning > 0 ? 3 : 0);
    expect(ipam(['audit', '--dump', mk]).code).toBe(0);
  });

  it('reads the dump from stdin with --dump -, the same as from the file', () => {
    const dump = readFileSync(EXAMPLE_DUMP, 'utf8');
    expect(ipam(['audit', '--dump', '-', '-o', 'json'], { input: dump }).stdout).toBe(ipam(['audit', '--dump', EXAMPLE_DUMP, '-o', 'json']).stdout);
  });

  it('prints the report of the real minikube dump as text and JSON (snapshots)', async () => {
    const mk = join(CORPUS, 'cluster-info-dump-minikube-excerpt.txt');
    await expect(ipam(['audit', '--dump', mk]).stdout).toMatchFileSnapshot('__snapshots__/audit-minikube.txt');
    await expect(ipam(['audit', '--dump', mk, '-o', 'json']).stdout).toMatchFileSnapshot('__snapshots__/audit-minikube.json');
  });

  it('exits 3 with --fail-on warning when the worst finding is a warning', () => {
    // node-4, which a Calico block is affine to, is gone: PLUGIN_BLOCK_NODE_MISSING, a warning.
    const nodes = join(tmp, 'nodes.json');
    writeFileSync(nodes, JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', items: [{ kind: 'Node', apiVersion: 'v1', metadata: { name: 'node-3' }, spec: { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] } }] }));
    const args = ['audit', '--file', nodes, '--file', join(CALICO, 'ippools-crd.json'), '--file', join(CALICO, 'ipam.yaml')];
    const report = (JSON.parse(ipam([...args, '-o', 'json']).stdout) as { report: { findings: { code: string; severity: string }[] } }).report;
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => [f.severity, f.code])).toEqual([['warning', 'PLUGIN_BLOCK_NODE_MISSING']]);
    expect(ipam([...args, '--fail-on', 'warning']).code).toBe(3);
    expect(ipam(args).code).toBe(0);
  });

  it("reports a Calico cluster's pools from kubectl get output", () => {
    const r = json(['audit', '--file', join(CALICO, 'ippools-crd.json'), '--file', join(CALICO, 'ipam.yaml'), '--fail-on', 'never']);
    expect(r.code).toBe(0);
    const report = r.doc.report as { capacity: { pools: { plugin: string; pool: string }[] } };
    expect(report.capacity.pools.map((p) => `${p.plugin}/${p.pool}`)).toEqual(['calico/default-ipv4-ippool', 'calico/default-ipv6-ippool']);
  });
});

describe('pnpm start (the README\'s first command)', () => {
  it('audits the embedded example cluster with the installed ipam and writes its address map', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const svg = join(ROOT, 'examples/out/address-map.svg');
    rmSync(svg, { force: true });
    const r = spawnSync('sh', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env['PATH']}` } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Cluster: 5 nodes, 17 pods, 5 Services\n/);
    expect(r.stdout).toContain('error     NODE_POD_CIDRS_OVERLAP');
    expect(r.stderr).toBe(`address map written to ${svg}\n`);
    expect(parseXml(readFileSync(svg, 'utf8')).name).toBe('svg');
  });
});

describe('ipam against a live cluster', () => {
  it('audits and explains through --kubeconfig and --context, as from the dump', async () => {
    const pki = makeTestPki(tmp);
    const server = await startFakeApiServer({ pki, lists: listsOfDump(readFileSync(EXAMPLE_DUMP, 'utf8')), tokens: { 'prod-token': 'sre' } });
    try {
      const kubeconfig = writeKubeconfig(tmp, 'kubeconfig', [{ context: 'prod', server: server.url, caCert: pki.caCert, token: 'prod-token' }, { context: 'other', server: 'https://127.0.0.1:1', token: 'x' }], 'other');
      const live = await ipamAsync(['audit', '--kubeconfig', kubeconfig, '--context', 'prod', '--external', '10.96.64.0/18=vpn', '-o', 'json']);
      expect(live.stderr).toBe('');
      expect(live.code).toBe(4);
      const codes = (out: string): string[] => (JSON.parse(out) as { report: { findings: { code: string }[] } }).report.findings.map((f) => f.code);
      const fromDump = ipam(['audit', '--dump', EXAMPLE_DUMP, '--external', '10.96.64.0/18=vpn', '-o', 'json']);
      // the dump also carries the control plane's flags (the settings checks); the live lists here are nodes, pods and Services
      expect(codes(live.stdout)).toEqual(codes(fromDump.stdout).filter((c) => codes(live.stdout).includes(c)));
      expect(codes(live.stdout)).toEqual(expect.arrayContaining(['NODE_POD_CIDRS_OVERLAP', 'POD_IP_DUPLICATE']));
      expect(new Set(server.requests.map((r) => `${r.user} ${r.path}`))).toContain('sre /api/v1/pods');
      const which = await ipamAsync(['which', '10.244.2.9', '--kubeconfig', kubeconfig, '--context', 'prod']);
      expect(which.stdout).toContain('CONFLICT: held by pod default/web-1 on worker-2 and pod default/web-3 on worker-4');
    } finally {
      await server.close();
    }
  });

  it('fails with exit 1, the API error and a hint when the cluster cannot be reached', () => {
    const kubeconfig = writeKubeconfig(tmp, 'unreachable', [{ context: 'gone', server: 'https://127.0.0.1:1', token: 'x' }], 'gone');
    const r = ipam(['audit', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ipam: .*ERR_K8S_API|^ipam: .*cannot reach/);
    expect(r.stderr).toContain('hint: check the kubeconfig, the context and that the API server answers');
  });
});

describe('ipam which', () => {
  it('says what addresses of the example cluster are', () => {
    const { code, doc } = json(['which', '10.244.2.9', '10.96.0.10', '8.8.8.8', '--dump', EXAMPLE_DUMP]);
    expect(code).toBe(0);
    const answers = doc.addresses as { address: string; status: string; holders: { kind: string }[]; ranges: { prefix?: string }[] }[];
    expect(answers.map((a) => [a.address, a.status, a.holders.length])).toEqual([
      ['10.244.2.9', 'conflict', 2],
      ['10.96.0.10', 'in-use', 1],
      ['8.8.8.8', 'outside', 0],
    ]);
    expect(ipam(['which', '10.96.0.10', '--dump', EXAMPLE_DUMP]).stdout).toBe('10.96.0.10:\n  Service kube-system/kube-dns (ClusterIP)\n  in service CIDR 10.96.0.0/12\n  RFC 1918 private 10.0.0.0/8\n');
  });

  it('rejects what is not an address with a usage error', () => {
    const r = ipam(['which', '10.0.0.0/8', '--dump', EXAMPLE_DUMP]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('10.0.0.0/8');
  });
});

describe('ipam cni', () => {
  const dir = join(CORPUS, 'cni-configs');
  it('lints the shared corpus of real CNI configs, exiting 1', () => {
    const { code, doc } = json(['cni', 'lint', dir]);
    expect(code).toBe(1);
    const problems = doc.problems as { code: string; file: string }[];
    expect(problems.map((p) => [p.code, p.file.slice(dir.length + 1)])).toEqual([
      ['ERR_CNI_TEMPLATE', 'aws-vpc-cni-10-aws.json'],
      ['ERR_CNI_TEMPLATE', 'calico-k8s-pod-network.json'],
      ['ERR_CNI_TEMPLATE', 'cilium-05-cilium.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'cnidev-bridge-empty-ipam.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'cnidev-bridge-host-local.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'cnidev-macvlan-dhcp.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'cnidev-ptp-host-local.json'],
      ['ERR_CNI_MISSING_FIELD', 'cnidev-static-ipam-fragment.json'],
      ['ERR_CNI_MISSING_FIELD', 'containerd-10-containerd-net.json'],
      ['ERR_CNI_MISSING_FIELD', 'crio-10-crio-bridge.json'],
      ['ERR_CNI_MISSING_FIELD', 'crio-99-loopback.json'],
      ['ERR_CNI_MISSING_FIELD', 'flannel-kube-flannel-cni-conf.json'],
      ['ERR_CNI_TEMPLATE', 'kindnet-10-kindnet.json'],
      ['ERR_CNI_TEMPLATE', 'weave-10-weave.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'whereabouts-ipvlan-sample-config.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'whereabouts-macvlan-exclude.json'],
      ['ERR_CNI_DUPLICATE_NAME', 'whereabouts-macvlan-ipv6.json'],
    ]);
    expect(doc.containerd).toMatchObject({ selected: null, error: { code: 'ERR_CNI_TEMPLATE' } });
    expect(doc.crio).toMatchObject({ selected: 'cilium', networks: ['cilium', 'mynet', 'multus-cni-network', 'whereaboutsexample'] });
  });

  it('shows the ranges each network hands out', () => {
    const { code, doc } = json(['cni', 'ranges', dir]);
    expect(code).toBe(0);
    const nets = doc.networks as { name: string; ipv4: string[]; delegated: boolean; delegatedTo: string[] }[];
    expect(nets.map((n) => [n.name, n.ipv4, n.delegated ? n.delegatedTo : []])).toEqual([
      ['cilium', [], ['cilium-cni']],
      ['mynet', ['10.22.0.2-10.22.255.254'], []],
      ['multus-cni-network', [], ['multus']],
      ['whereaboutsexample', ['192.168.2.225-192.168.2.227', '192.168.2.232/30', '192.168.2.237-192.168.2.238'], []],
    ]);
  });

  it('finds no network in a missing directory: exit 1, and says so', () => {
    const r = ipam(['cni', 'lint', join(tmp, 'no-such-dir')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no configuration files in');
  });
});

describe('ipam plan', () => {
  it('plans a dual-stack cluster clear of --avoid, as JSON and text, and writes its map', async () => {
    const svg = join(tmp, 'plan.svg');
    const { code, doc } = json(['plan', '--nodes', '100', '--pods-per-node', '110', '--services', '1000', '--dual-stack', '--avoid', '10.0.0.0/16', '--svg', svg]);
    expect(code).toBe(0);
    const families = (doc.plan as { families: { family: number; clusterCIDR: string; serviceCIDR: string }[] }).families;
    expect(families.map((f) => f.family)).toEqual([4, 6]);
    for (const f of families) {
      expect(Prefix.parse(f.clusterCIDR).overlaps(Prefix.parse('10.0.0.0/16'))).toBe(false);
      expect(Prefix.parse(f.clusterCIDR).overlaps(Prefix.parse(f.serviceCIDR))).toBe(false);
    }
    expect(parseXml(readFileSync(svg, 'utf8')).name).toBe('svg');
    await expect(ipam(['plan', '--nodes', '100', '--pods-per-node', '110', '--services', '1000']).stdout).toMatchFileSnapshot('__snapshots__/plan.txt');
  });
});
