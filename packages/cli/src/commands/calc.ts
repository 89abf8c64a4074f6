import { Addr, IPRange, IPSetBuilder, Prefix, specialRangesOf, summarize, type SpecialRange } from '@ipam/core';
import { type Ctx, UsageError, printDocument, table } from '../internal/io.js';

/** One parsed `calc` argument. */
type Item = { input: string; value: Addr | Prefix | IPRange; hostBitsSet?: boolean };

/** `10.244.0.1/16`: an address inside a prefix, as `ipcalc` takes it; the prefix is the masked one. */
function addressWithPrefix(input: string): Prefix | undefined {
  const slash = input.lastIndexOf('/');
  const a = Addr.tryParse(input.slice(0, slash));
  const bitsText = input.slice(slash + 1);
  const bits = Number(bitsText);
  if (a === undefined || a.zone !== undefined || !/^\d{1,3}$/.test(bitsText) || bits > a.bitLength) return undefined;
  return a.prefix(bits);
}

/** Reads an address, a prefix (`10.0.0.0/8`) or a range (`10.0.0.5-10.0.0.9`), or fails with a usage error naming it. */
export function parseItem(input: string): Item {
  if (input.includes('/') && Prefix.tryParse(input) === undefined) {
    const p = addressWithPrefix(input);
    if (p !== undefined) return { input, value: p, hostBitsSet: true };
  }
  const value = input.includes('/') ? Prefix.tryParse(input) : input.includes('-') ? IPRange.tryParse(input) : Addr.tryParse(input);
  if (value === undefined) {
    // Let the strict parser say exactly what is wrong.
    let reason = '';
    try {
      if (input.includes('/')) Prefix.parse(input);
      else if (input.includes('-')) IPRange.parse(input);
      else Addr.parse(input);
    } catch (e) {
      reason = `: ${(e as Error).message}`;
    }
    throw new UsageError(`not an address, prefix or range: "${input}"${reason}`, 'write 10.0.0.1, 10.0.0.0/24, 2001:db8::/48 or 10.0.0.5-10.0.0.9');
  }
  return { input, value };
}

function parsePrefix(input: string, what: string): Prefix {
  const p = Prefix.tryParse(input);
  if (p === undefined) throw new UsageError(`${what} is not a prefix: "${input}"`, 'write a CIDR such as 10.0.0.0/16 or fd00::/48');
  return p;
}

/** The mask of `bits` ones in the family of `p`, as an address (255.255.255.0, ffff:ffff::). */
function mask(p: Prefix, ones: boolean): Addr {
  const width = p.addr.bitLength;
  const all = (1n << BigInt(width)) - 1n;
  const net = all ^ ((1n << BigInt(width - p.bits)) - 1n);
  return Addr.fromBigInt(ones ? net : all ^ net, p.family);
}

const special = (x: Addr | Prefix): { prefix: string; name: string; rfc: string }[] =>
  specialRangesOf(x).map((r: SpecialRange) => ({ prefix: r.prefix.toString(), name: r.name, rfc: r.rfc }));

/** Everything `ipam calc` says of one item. */
export function describeItem({ input, value, hostBitsSet = false }: Item): Record<string, unknown> {
  if (value instanceof Addr) {
    return { input, kind: 'address', address: value.toString(), family: value.family, special: special(value) };
  }
  if (value instanceof Prefix) {
    const p = value.masked();
    const prev = p.first().prev();
    return {
      input,
      kind: 'prefix',
      prefix: p.toString(),
      hostBitsSet,
      family: p.family,
      bits: p.bits,
      first: p.first().toString(),
      last: p.last().toString(),
      size: p.size.toString(),
      netmask: mask(p, true).toString(),
      hostmask: mask(p, false).toString(),
      previous: prev === undefined ? null : prev.prefix(p.bits).toString(),
      next: p.next()?.toString() ?? null,
      special: special(p),
    };
  }
  const size = value.last().toBigInt() - value.first().toBigInt() + 1n;
  return {
    input,
    kind: 'range',
    range: value.toString(),
    family: value.first().family,
    first: value.first().toString(),
    last: value.last().toString(),
    size: size.toString(),
    prefixes: value.prefixes().map(String),
    special: [...new Map([...special(value.first()), ...special(value.last())].map((s) => [s.prefix, s])).values()],
  };
}

const SPLIT_LIMIT = 65_536;

/** `ipam calc`: the facts of each item, or `summarize`, `exclude`, `split`. */
export function calcCommand(ctx: Ctx, positionals: readonly string[], into: string | undefined, limit: string | undefined): number {
  const [first, ...rest] = positionals;
  if (first === undefined) throw new UsageError('calc needs at least one address, prefix or range', 'ipam calc 10.244.0.0/16');
  if (first === 'summarize') {
    const set = new IPSetBuilder();
    const items = rest.map(parseItem);
    if (items.length === 0) throw new UsageError('calc summarize needs addresses, prefixes or ranges', 'ipam calc summarize 10.0.0.0/25 10.0.0.128/25');
    for (const { value } of items) {
      if (value instanceof Addr) set.add(value);
      else if (value instanceof Prefix) set.addPrefix(value.masked());
      else set.addRange(value);
    }
    const prefixes = summarize(set.build().prefixes());
    return out(ctx, 'calc summarize', { input: rest, prefixes: prefixes.map(String) }, () => prefixes.map((p) => `${p}\n`).join(''));
  }
  if (first === 'exclude') {
    const [from, ...minus] = rest;
    if (from === undefined || minus.length === 0) throw new UsageError('calc exclude needs a prefix or range and what to take out of it', 'ipam calc exclude 10.0.0.0/8 10.96.0.0/12');
    const set = new IPSetBuilder();
    const add = (x: Item['value'], remove: boolean): void => {
      if (x instanceof Addr) remove ? set.remove(x) : set.add(x);
      else if (x instanceof Prefix) remove ? set.removePrefix(x.masked()) : set.addPrefix(x.masked());
      else remove ? set.removeRange(x) : set.addRange(x);
    };
    add(parseItem(from).value, false);
    for (const m of minus) add(parseItem(m).value, true);
    const prefixes = set.build().prefixes();
    return out(ctx, 'calc exclude', { from, exclude: minus, prefixes: prefixes.map(String) }, () => prefixes.map((p) => `${p}\n`).join(''));
  }
  if (first === 'split') {
    const [cidr, ...extra] = rest;
    if (cidr === undefined || extra.length > 0) throw new UsageError('calc split takes one prefix', 'ipam calc split 10.0.0.0/16 --into 24');
    const p = parsePrefix(cidr, 'calc split').masked();
    const bits = Number(into);
    if (into === undefined || !Number.isInteger(bits) || bits < p.bits || bits > p.addr.bitLength) {
      throw new UsageError(`--into must be a prefix length from ${p.bits} to ${p.addr.bitLength}, got ${into === undefined ? 'nothing' : `"${into}"`}`, `ipam calc split ${p} --into ${Math.min(p.bits + 8, p.addr.bitLength)}`);
    }
    const max = limit === undefined ? SPLIT_LIMIT : Number(limit);
    if (!Number.isInteger(max) || max < 1) throw new UsageError(`--limit must be a positive whole number, got "${limit}"`, '--limit 1000000');
    const count = 1n << BigInt(bits - p.bits);
    if (count > BigInt(max)) throw new UsageError(`${p} splits into ${count} /${bits} prefixes, more than the limit of ${max}`, `raise --limit, or split into fewer (--into ${p.bits + Math.floor(Math.log2(max))})`);
    const parts: Prefix[] = [];
    for (let q: Prefix | undefined = p.first().prefix(bits); q !== undefined && p.containsPrefix(q); q = q.next()) parts.push(q);
    return out(ctx, 'calc split', { prefix: p.toString(), into: bits, count: parts.length, prefixes: parts.map(String) }, () => parts.map((q) => `${q}\n`).join(''));
  }
  const items = positionals.map(parseItem).map(describeItem);
  return out(ctx, 'calc', { items }, () => items.map(formatItem).join('\n'));
}

function out(ctx: Ctx, command: string, body: Record<string, unknown>, text: () => string): number {
  if (ctx.output === 'table') ctx.io.stdout(text());
  else printDocument(ctx, command, body);
  return 0;
}

function formatItem(d: Record<string, unknown>): string {
  const rows: [string, string][] = [];
  const specials = (d.special as { prefix: string; name: string; rfc: string }[]).map((s) => `${s.name} ${s.prefix} (${s.rfc})`);
  if (d.kind === 'address') rows.push(['address', String(d.address)], ['family', `IPv${d.family}`]);
  else if (d.kind === 'prefix') {
    rows.push(['prefix', `${d.prefix}${d.hostBitsSet ? `  (from ${d.input}: host bits cleared)` : ''}`], ['family', `IPv${d.family}`], ['first', String(d.first)], ['last', String(d.last)],
      ['size', BigInt(d.size as string).toLocaleString('en')], ['netmask', String(d.netmask)], ['hostmask', String(d.hostmask)],
      ['previous', String(d.previous ?? '-')], ['next', String(d.next ?? '-')]);
  } else {
    rows.push(['range', String(d.range)], ['family', `IPv${d.family}`], ['size', BigInt(d.size as string).toLocaleString('en')], ['prefixes', (d.prefixes as string[]).join(', ')]);
  }
  rows.push(['special', specials.length === 0 ? '-' : specials.join('; ')]);
  return table(['', String(d.input)], rows).split('\n').slice(1).join('\n');
}
