import { resolve } from 'node:path';
import { loadConfigDir, type CniConfigError, type NetworkConfig } from '@ipam/cni';
import { type Ctx, UsageError, paint, printDocument, table } from '../internal/io.js';

/** The configuration directory container runtimes read by default. */
export const DEFAULT_CNI_DIR = '/etc/cni/net.d';

const problem = (e: CniConfigError) => ({ code: e.code, file: e.file ?? null, path: e.path, line: e.line ?? null, column: e.column ?? null, message: e.message });

function networkRanges(net: NetworkConfig) {
  const r = net.ranges();
  return {
    name: net.name,
    file: net.file ?? null,
    cniVersion: net.cniVersion,
    plugins: net.plugins.map((p) => p.type),
    ipv4: r.ipv4.toJSON(),
    ipv6: r.ipv6.toJSON(),
    gateways: r.gateways.map(String),
    excluded: r.excluded.toJSON(),
    delegated: r.delegated,
    delegatedTo: r.delegatedTo,
  };
}

/**
 * `ipam cni lint [DIR]`: every file CRI-O would skip (it reads them all), and whether containerd (first file only,
 * errors fatal) gets a network. Exit 1 when there is anything to fix.
 */
export async function cniLintCommand(ctx: Ctx, dirArg: string | undefined): Promise<number> {
  const dir = resolve(ctx.io.cwd, dirArg ?? DEFAULT_CNI_DIR);
  const crio = await loadConfigDir(dir, { runtime: 'crio' });
  const containerd = await loadConfigDir(dir, { runtime: 'containerd' });
  const problems = crio.skipped.map((s) => problem(s.error));
  const fatal = containerd.selected === undefined && containerd.error !== undefined ? problem(containerd.error) : null;
  const ok = problems.length === 0 && fatal === null;
  if (ctx.output === 'table') {
    const lines = problems.map((p) => `${paint(ctx, 'red', p.code)} ${p.message}\n`);
    if (fatal !== null) lines.push(`${paint(ctx, 'red', 'containerd has no network:')} ${fatal.message}\n`);
    for (const net of crio.networks) lines.push(`${paint(ctx, 'green', 'ok')} network ${net.name} from ${net.file ?? '-'}${net === crio.selected ? ' (selected)' : ''}\n`);
    if (crio.files.length === 0) lines.push(`no configuration files in ${dir}\n`);
    ctx.io.stdout(lines.join(''));
  } else {
    printDocument(ctx, 'cni lint', {
      dir,
      files: crio.files,
      problems,
      containerd: { selected: containerd.selected?.name ?? null, file: containerd.selected?.file ?? null, error: fatal },
      crio: { selected: crio.selected?.name ?? null, file: crio.selected?.file ?? null, networks: crio.networks.map((n) => n.name) },
      ok,
    });
  }
  return ok ? 0 : 1;
}

/** `ipam cni ranges [DIR]`: the address ranges of every network that loads (CRI-O's view: all valid files). */
export async function cniRangesCommand(ctx: Ctx, dirArg: string | undefined): Promise<number> {
  const dir = resolve(ctx.io.cwd, dirArg ?? DEFAULT_CNI_DIR);
  const crio = await loadConfigDir(dir, { runtime: 'crio' });
  const networks = crio.networks.map(networkRanges);
  if (ctx.output === 'table') {
    const rows = networks.map((n) => [
      n.name,
      n.file ?? '-',
      n.ipv4.join(' ') || '-',
      n.ipv6.join(' ') || '-',
      n.delegated ? `decided by ${n.delegatedTo.join(', ')}` : '',
    ]);
    ctx.io.stdout(rows.length === 0 ? `no network loads from ${dir}\n` : table(['NETWORK', 'FILE', 'IPV4', 'IPV6', 'NOTE'], rows));
  } else {
    printDocument(ctx, 'cni ranges', { dir, networks, skipped: crio.skipped.map((s) => problem(s.error)) });
  }
  return 0;
}

/** Rejects extra positional arguments of the cni commands. */
export function oneDir(positionals: readonly string[], command: string): string | undefined {
  if (positionals.length > 1) throw new UsageError(`cni ${command} takes at most one directory, got ${positionals.length}`, `ipam cni ${command} /etc/cni/net.d`);
  return positionals[0];
}
