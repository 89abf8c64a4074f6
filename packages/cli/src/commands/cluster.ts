import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Prefix, type Family } from '@ipam/core';
import {
  audit,
  discover,
  explainer,
  formatAuditReport,
  formatExplanation,
  formatPlan,
  plan,
  type AuditReport,
  type ClusterNetwork,
  type DiscoverOptions,
  type ExternalNetwork,
} from '@ipam/kubernetes';
import { addressMapOfAudit, addressMapOfPlan, addressMapSvg } from '../address-map.js';
import { type Ctx, UsageError, paint, printDocument } from '../internal/io.js';

/** The input options shared by `audit` and `which`. */
export interface InputFlags {
  readonly dump?: string | undefined;
  readonly file?: readonly string[] | undefined;
  readonly 'cni-dir'?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly external?: readonly string[] | undefined;
}

/** Reads `--external CIDR[=name]` values; a bad CIDR is a usage error. */
export function externalNetworks(values: readonly string[] = []): ExternalNetwork[] {
  return values.map((v, i) => {
    const eq = v.indexOf('=');
    const cidr = eq < 0 ? v : v.slice(0, eq);
    const name = eq < 0 ? `external-${i + 1}` : v.slice(eq + 1);
    const p = Prefix.tryParse(cidr);
    if (p === undefined || !p.masked().equals(p)) {
      throw new UsageError(`--external is not a CIDR without host bits: "${cidr}"`, 'write --external 10.0.0.0/16=vpn (the name is optional)');
    }
    return { name: eq < 0 ? cidr : name, cidr: p };
  });
}

/** Builds the discover options of the input flags; reads stdin for `--dump -`. */
async function discovered(ctx: Ctx, flags: InputFlags): Promise<ClusterNetwork> {
  const options: { -readonly [K in keyof DiscoverOptions]: DiscoverOptions[K] } = {};
  const at = (p: string): string => resolve(ctx.io.cwd, p);
  if (flags.dump !== undefined) {
    if (flags.dump === '-') options.dump = ctx.io.stdin;
    else {
      const path = at(flags.dump);
      let dir = false;
      try {
        dir = statSync(path).isDirectory();
      } catch {
        // discover reports the missing file with its own typed error
      }
      if (dir) options.dumpDirectory = path;
      else {
        const { createReadStream } = await import('node:fs');
        options.dump = createReadStream(path, { highWaterMark: 1 << 20 });
      }
    }
  }
  if (flags.file !== undefined && flags.file.length > 0) options.files = flags.file.map(at);
  if (flags['cni-dir'] !== undefined) options.cniConfigDir = at(flags['cni-dir']);
  if (flags.kubeconfig !== undefined || flags.context !== undefined) {
    options.kubeconfig = flags.kubeconfig === undefined ? true : at(flags.kubeconfig);
    if (flags.context !== undefined) options.context = flags.context;
  }
  if (Object.keys(options).length === 0) {
    throw new UsageError('nothing to read: give --dump, --file, --cni-dir or --kubeconfig/--context', 'kubectl cluster-info dump -A | ipam audit --dump -');
  }
  const progress = ctx.io.stderrIsTTY && (options.kubeconfig !== undefined || options.dump !== undefined);
  if (progress) ctx.io.stderr(paint(ctx, 'dim', `reading ${options.kubeconfig !== undefined ? 'the cluster' : 'the dump'}…\r`));
  try {
    return await discover(options);
  } finally {
    if (progress) ctx.io.stderr('\u001b[2K\r');
  }
}

/** Exit codes of `ipam audit` by the worst finding. */
export const AUDIT_EXIT = { clean: 0, warnings: 3, errors: 4 } as const;

/** The exit code of an audit for `--fail-on`. */
export function auditExitCode(report: AuditReport, failOn: string): number {
  if (failOn === 'never') return 0;
  if (report.counts.error > 0) return AUDIT_EXIT.errors;
  if (failOn === 'warning' && report.counts.warning > 0) return AUDIT_EXIT.warnings;
  return AUDIT_EXIT.clean;
}

function writeSvg(ctx: Ctx, file: string, svg: string): void {
  const path = resolve(ctx.io.cwd, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  ctx.io.stderr(`address map written to ${path}\n`);
}

/** `ipam audit`. */
export async function auditCommand(ctx: Ctx, flags: InputFlags & { 'fail-on'?: string | undefined; svg?: string | undefined; threshold?: string | undefined }): Promise<number> {
  const failOn = flags['fail-on'] ?? 'error';
  if (!['error', 'warning', 'never'].includes(failOn)) throw new UsageError(`--fail-on must be error, warning or never, got "${failOn}"`, '--fail-on warning');
  const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold must be a fraction in (0, 1], got "${flags.threshold}"`, '--threshold 0.8');
  const external = externalNetworks(flags.external);
  const network = await discovered(ctx, flags);
  const report = audit(network, { external, ...(threshold === undefined ? {} : { pluginPoolThreshold: threshold }) });
  if (ctx.output === 'table') {
    const n = (k: number, what: string): string => `${k.toLocaleString('en')} ${what}${k === 1 ? '' : 's'}`;
    const header =
      `Cluster: ${n(network.nodes.length, 'node')}, ${n(network.pods.length, 'pod')}, ${n(network.services.length, 'Service')}` +
      `${network.pools.length > 0 ? `, ${n(network.pools.length, 'CNI plugin pool')}` : ''}\n` +
      `  cluster CIDR ${network.clusterCIDRs.join(', ') || '(unknown)'}; service CIDR ${network.serviceCIDRs.join(', ') || '(unknown)'}\n` +
      (external.length > 0 ? `  external networks: ${external.map((e) => `${e.cidr} (${e.name})`).join(', ')}\n` : '') +
      '\n';
    const body = formatAuditReport(report, { maxObjects: 3 });
    const text = header + body + (body.endsWith('\n') ? '' : '\n');
    ctx.io.stdout(ctx.color ? text.replace(/^(\s*)(error|warning)\b/gm, (_m, s: string, sev: string) => s + paint(ctx, sev === 'error' ? 'red' : 'yellow', sev)) : text);
  } else {
    printDocument(ctx, 'audit', {
      sources: network.sources,
      clusterCIDRs: network.clusterCIDRs,
      serviceCIDRs: network.serviceCIDRs,
      counts: { nodes: network.nodes.length, pods: network.pods.length, services: network.services.length, pools: network.pools.length, blocks: network.blocks.length },
      report,
    });
  }
  if (flags.svg !== undefined) writeSvg(ctx, flags.svg, addressMapSvg(addressMapOfAudit(network, report)));
  return auditExitCode(report, failOn);
}

/** `ipam which`. */
export async function whichCommand(ctx: Ctx, addresses: readonly string[], flags: InputFlags): Promise<number> {
  if (addresses.length === 0) throw new UsageError('which needs at least one address', 'ipam which 10.244.3.7 --dump dump.txt');
  const external = externalNetworks(flags.external);
  const network = await discovered(ctx, flags);
  const index = explainer(network, { external });
  const answers = addresses.map((a) => {
    try {
      return index.explain(a);
    } catch (e) {
      throw new UsageError((e as Error).message, 'give IP addresses such as 10.244.3.7 or fd00::1');
    }
  });
  if (ctx.output === 'table') ctx.io.stdout(answers.map((e) => `${formatExplanation(e, { multiline: true })}\n`).join('\n'));
  else printDocument(ctx, 'which', { addresses: answers });
  return 0;
}

function count(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got ${value === undefined ? 'nothing' : `"${value}"`}`, 'ipam plan --nodes 100 --pods-per-node 110 --services 1000');
  return n;
}

/** `ipam plan`. */
export function planCommand(
  ctx: Ctx,
  flags: { nodes?: string | undefined; 'pods-per-node'?: string | undefined; services?: string | undefined; 'dual-stack'?: boolean | undefined; ipv6?: boolean | undefined; avoid?: readonly string[] | undefined; svg?: string | undefined },
): number {
  const avoid = (flags.avoid ?? []).map((a) => {
    if (Prefix.tryParse(a) === undefined) throw new UsageError(`--avoid is not a CIDR: "${a}"`, 'write --avoid 10.0.0.0/16');
    return a;
  });
  const families: Family[] = flags['dual-stack'] ? [4, 6] : flags.ipv6 ? [6] : [4];
  const p = plan({
    nodes: count('nodes', flags.nodes, 1),
    podsPerNode: count('pods-per-node', flags['pods-per-node'], 1),
    services: count('services', flags.services, 1),
    families,
    avoid,
  });
  if (ctx.output === 'table') {
    const text = formatPlan(p);
    ctx.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }
  else printDocument(ctx, 'plan', { plan: p });
  if (flags.svg !== undefined) writeSvg(ctx, flags.svg, addressMapSvg(addressMapOfPlan(p)));
  return 0;
}
