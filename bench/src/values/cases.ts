/**
 * The value benchmark cases (a)–(e): for each, every library's timed body, written out by hand per library so
 * that each loop's call site stays monomorphic (closures made from one shared loop would share type feedback
 * and slow every library down by a megamorphic call), and the output checks that decide whether it is timed.
 */
import { Addr, IPRange, Prefix, summarize } from '@ipam/core';
import { containsCidr, mergeCidr, normalizeCidr } from 'cidr-tools';
import { Address4, Address6 } from 'ip-address';
import { IPv4, IPv4CidrRange, IPv6, IPv6CidrRange, Pool, RangedSet } from 'ip-num';
import ipaddr from 'ipaddr.js';
import netmask from 'netmask';
import { attempt, checkBooleans, checkFormat, checkPrefixSet, type Checked } from './check.js';
import { FORM6_DESCRIPTION, FORMS6, type Input6, type Pair, type Range } from './inputs.js';
import { type Case, consume, type Entry, type Lib } from './model.js';
import { cover4, cover6, fmt6, parse4, parse6, summarize4 } from './reference.js';

const { Netmask, ip2long, long2ip } = netmask;

function entry(lib: Lib, api: string, checked: Checked, run: () => number, extra: Partial<Entry> = {}): Entry {
  const timed = checked.verdict === 'exact' || checked.verdict === 'value';
  const detail = [checked.detail, extra.detail].filter(Boolean).join('; ') || undefined;
  return { lib, api, ...extra, verdict: checked.verdict, detail, run: timed ? run : undefined };
}

function noApi(lib: Lib, detail: string): Entry {
  return { lib, api: '—', verdict: 'no-api', detail };
}

const isDotted = /^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/;
const value4 = (s: string): number | undefined => (isDotted.test(s) ? parse4(s) : undefined);

/** (a) parse and format IPv4 addresses: string → each library's value → its canonical string. */
export function caseA(xs: readonly string[]): Case {
  const truth = xs.map(parse4);
  const check = (f: (s: string) => string): Checked => checkFormat(xs, f, xs, truth, value4);
  return {
    id: 'a',
    group: 'a',
    title: `(a) IPv4 parse+format, ${xs.length.toLocaleString('en')} addresses`,
    items: xs.length,
    unit: 'ns/addr',
    scale: 1e6 / xs.length,
    target: 1.5,
    entries: [
      entry('@ipam/core', 'Addr.parse(s).toString()', check((s) => Addr.parse(s).toString()), () => {
        let k = 0;
        for (let i = 0; i < xs.length; i++) k = consume(k, Addr.parse(xs[i]!).toString());
        return k;
      }),
      entry('ipaddr.js', 'ipaddr.IPv4.parse(s).toString()', check((s) => ipaddr.IPv4.parse(s).toString()), () => {
        let k = 0;
        for (let i = 0; i < xs.length; i++) k = consume(k, ipaddr.IPv4.parse(xs[i]!).toString());
        return k;
      }),
      entry('ip-address', 'new Address4(s).correctForm()', check((s) => new Address4(s).correctForm()), () => {
        let k = 0;
        for (let i = 0; i < xs.length; i++) k = consume(k, new Address4(xs[i]!).correctForm());
        return k;
      }),
      entry(
        'cidr-tools',
        'normalizeCidr(s)',
        check((s) => normalizeCidr(s)),
        () => {
          let k = 0;
          for (let i = 0; i < xs.length; i++) k = consume(k, normalizeCidr(xs[i]!));
          return k;
        },
        { detail: 'string → string in one call; its API has no address value to hold' },
      ),
      entry(
        'netmask',
        'long2ip(ip2long(s))',
        check((s) => long2ip(ip2long(s))),
        () => {
          let k = 0;
          for (let i = 0; i < xs.length; i++) k = consume(k, long2ip(ip2long(xs[i]!)));
          return k;
        },
        { detail: 'the value is a plain number' },
      ),
      entry('ip-num', 'new IPv4(s).toString()', check((s) => new IPv4(s).toString()), () => {
        let k = 0;
        for (let i = 0; i < xs.length; i++) k = consume(k, new IPv4(xs[i]!).toString());
        return k;
      }),
    ],
  };
}

/** Each library's IPv6 parse+format, once as a function (for checking) and once as its own timed loop. */
const format6: Record<Lib, { api: string; one: (s: string) => string; loop: (xs: readonly string[]) => number }> = {
  '@ipam/core': {
    api: 'Addr.parse(s).toString()',
    one: (s) => Addr.parse(s).toString(),
    loop: (xs) => {
      let k = 0;
      for (let i = 0; i < xs.length; i++) k = consume(k, Addr.parse(xs[i]!).toString());
      return k;
    },
  },
  'ipaddr.js': {
    api: 'ipaddr.IPv6.parse(s).toString()',
    one: (s) => ipaddr.IPv6.parse(s).toString(),
    loop: (xs) => {
      let k = 0;
      for (let i = 0; i < xs.length; i++) k = consume(k, ipaddr.IPv6.parse(xs[i]!).toString());
      return k;
    },
  },
  'ip-address': {
    api: 'new Address6(s).correctForm()',
    one: (s) => new Address6(s).correctForm(),
    loop: (xs) => {
      let k = 0;
      for (let i = 0; i < xs.length; i++) k = consume(k, new Address6(xs[i]!).correctForm());
      return k;
    },
  },
  'cidr-tools': {
    api: 'normalizeCidr(s)',
    one: (s) => normalizeCidr(s),
    loop: (xs) => {
      let k = 0;
      for (let i = 0; i < xs.length; i++) k = consume(k, normalizeCidr(xs[i]!));
      return k;
    },
  },
  netmask: {
    api: 'new Netmask(s).base',
    one: (s) => new Netmask(s).base,
    loop: (xs) => {
      let k = 0;
      for (let i = 0; i < xs.length; i++) k = consume(k, new Netmask(xs[i]!).base);
      return k;
    },
  },
  'ip-num': {
    api: 'new IPv6(s).toString()',
    one: (s) => new IPv6(s).toString(),
    loop: (xs) => {
      let k = 0;
      for (let i = 0; i < xs.length; i++) k = consume(k, new IPv6(xs[i]!).toString());
      return k;
    },
  },
};

/**
 * (b) parse and format IPv6 addresses: one case per RFC 4291 text form, then all forms mixed. A library is
 * timed on a form only if its output is right for every input of that form, and on the mixed set only if
 * it is right for every form.
 */
export function caseB(inputs: readonly Input6[]): Case[] {
  const rows: [string, string, readonly Input6[]][] = FORMS6.map((f) => [`b/${f}`, `${f}: ${FORM6_DESCRIPTION[f]}`, inputs.filter((x) => x.form === f)]);
  rows.push(['b/mixed', `all forms mixed: the ${inputs.length.toLocaleString('en')} addresses above, shuffled`, inputs]);
  return rows.map(([id, what, set]) => {
    const xs = set.map((x) => x.text);
    const truth = set.map((x) => x.value);
    const expected = set.map((x) => fmt6(x.value));
    return {
      id,
      group: 'b' as const,
      title: `(b) IPv6 parse+format, ${id.slice(2)} (${xs.length.toLocaleString('en')})`,
      items: xs.length,
      unit: 'ns/addr',
      scale: 1e6 / xs.length,
      target: 2,
      notes: [what],
      entries: (Object.keys(format6) as Lib[]).map((lib) => {
        const f = format6[lib];
        return entry(lib, f.api, checkFormat(xs, f.one, expected, truth, parse6), () => f.loop(xs));
      }),
    };
  });
}

/**
 * A contains contender: its call, the answers it gives over all pairs (or what it throws), and its timed loop
 * over the first `m` pairs, `passes` times.
 */
interface Contains {
  readonly lib: Lib;
  readonly api: string;
  readonly answers: () => boolean[];
  readonly loop: (m: number, passes: number) => number;
  readonly detail?: string;
}

/** About how long one timed call of a contains loop may take, in ms: slower libraries get fewer checks. */
const CALL_MS = 100;

function containsCase<T extends number | bigint>(fam: 4 | 6, pairs: readonly Pair<T>[], passes: number, libs: readonly Contains[]): Case {
  const n = pairs.length;
  const checks = n * passes;
  const want = pairs.map((p) => p.inside);
  const label = (i: number): string => `\`${pairs[i]!.prefix}\` ∋ \`${pairs[i]!.addr}\``;
  const entries = libs.map((l): Entry => {
    const t0 = performance.now();
    const got = attempt(l.answers);
    let perCheck = (performance.now() - t0) / n;
    // The checked pass gives a first, cold cost per check; unless it is slow already, the fastest of up to
    // eight passes of the timed loop gives a warm one. A library too slow for all the checks in about CALL_MS is
    // timed on fewer (down to 1,024 pairs once); the pairs are the same, so time per check stays comparable.
    const cold = perCheck * n;
    if (!(got instanceof Error) && cold < 150) {
      const t1 = performance.now();
      for (let k = 0; k < 8 && performance.now() - t1 < 400; k++) {
        const t2 = performance.now();
        l.loop(n, 1);
        perCheck = Math.min(perCheck, (performance.now() - t2) / n);
      }
    }
    let m = n;
    let p = passes;
    if (perCheck * checks > CALL_MS) {
      const fit = Math.max(1024, Math.floor(CALL_MS / perCheck));
      if (fit >= n) p = Math.max(1, Math.floor(fit / n));
      else {
        p = 1;
        m = Math.min(n, 2 ** Math.floor(Math.log2(fit)));
      }
    }
    const fewer = m * p < checks ? `timed on ${(m * p).toLocaleString('en')} checks (${m.toLocaleString('en')} pairs × ${p}): one pass over all pairs took ${(perCheck * n).toFixed(1)} ms (${cold.toFixed(0)} ms cold)` : undefined;
    return entry(l.lib, l.api, checkBooleans(got, want, label), () => l.loop(m, p), {
      detail: [l.detail, fewer].filter(Boolean).join('; ') || undefined,
      scale: 1e6 / (m * p),
    });
  });
  return {
    id: `c/v${fam}`,
    group: 'c',
    title: `(c) IPv${fam} prefix contains, ${checks.toLocaleString('en')} checks (${n.toLocaleString('en')} pre-parsed pairs × ${passes})`,
    items: checks,
    unit: 'ns/check',
    scale: 1e6 / checks,
    target: 1,
    notes: [
      `prefix lengths uniform in ${fam === 4 ? '8…32' : '16…128'}; half the addresses inside, half one bit outside the prefix; every answer checked first, core's against the generator's truth and the peers' against core's`,
    ],
    entries,
  };
}

const stringsOnly = 'its API takes strings only: parses prefix and address on every call';
const stringAddr = 'pre-parsed block, but the address must be a string: parsed on every call';

/** (c) IPv4: pre-parsed prefix and address, each library's own contains/match call. */
export function caseC4(pairs: readonly Pair<number>[], passes: number): Case {
  const cP = pairs.map((p) => Prefix.parse(p.prefix));
  const cA = pairs.map((p) => Addr.parse(p.addr));
  const iP = pairs.map((p) => ipaddr.IPv4.parseCIDR(p.prefix));
  const iA = pairs.map((p) => ipaddr.IPv4.parse(p.addr));
  const aP = pairs.map((p) => new Address4(p.prefix));
  const aA = pairs.map((p) => new Address4(p.addr));
  const sP = pairs.map((p) => p.prefix);
  const sA = pairs.map((p) => p.addr);
  const nP = pairs.map((p) => new Netmask(p.prefix));
  const rP = pairs.map((p) => IPv4CidrRange.fromCidr(p.prefix));
  const rA = pairs.map((p) => new IPv4(p.addr));
  return containsCase(4, pairs, passes, [
    {
      lib: '@ipam/core',
      api: 'prefix.contains(addr)',
      answers: () => cP.map((p, i) => p.contains(cA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (cP[i]!.contains(cA[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'ipaddr.js',
      api: 'addr.match(cidr)',
      answers: () => iA.map((a, i) => a.match(iP[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (iA[i]!.match(iP[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'ip-address',
      api: 'addr.isInSubnet(subnet)',
      answers: () => aA.map((a, i) => a.isInSubnet(aP[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (aA[i]!.isInSubnet(aP[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'cidr-tools',
      api: 'containsCidr(prefix, addr)',
      detail: stringsOnly,
      answers: () => sP.map((p, i) => containsCidr(p, sA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (containsCidr(sP[i]!, sA[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'netmask',
      api: 'block.contains(addr)',
      detail: stringAddr,
      answers: () => nP.map((p, i) => p.contains(sA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (nP[i]!.contains(sA[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'ip-num',
      api: 'range.contains(addr)',
      answers: () => rP.map((p, i) => p.contains(rA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (rP[i]!.contains(rA[i]!)) k++;
        return k;
      },
    },
  ]);
}

/** (c) IPv6: as {@link caseC4}. */
export function caseC6(pairs: readonly Pair<bigint>[], passes: number): Case {
  const cP = pairs.map((p) => Prefix.parse(p.prefix));
  const cA = pairs.map((p) => Addr.parse(p.addr));
  const iP = pairs.map((p) => ipaddr.IPv6.parseCIDR(p.prefix));
  const iA = pairs.map((p) => ipaddr.IPv6.parse(p.addr));
  const aP = pairs.map((p) => new Address6(p.prefix));
  const aA = pairs.map((p) => new Address6(p.addr));
  const sP = pairs.map((p) => p.prefix);
  const sA = pairs.map((p) => p.addr);
  const nP = pairs.map((p) => new Netmask(p.prefix));
  const rP = pairs.map((p) => IPv6CidrRange.fromCidr(p.prefix));
  const rA = pairs.map((p) => new IPv6(p.addr));
  return containsCase(6, pairs, passes, [
    {
      lib: '@ipam/core',
      api: 'prefix.contains(addr)',
      answers: () => cP.map((p, i) => p.contains(cA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (cP[i]!.contains(cA[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'ipaddr.js',
      api: 'addr.match(cidr)',
      answers: () => iA.map((a, i) => a.match(iP[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (iA[i]!.match(iP[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'ip-address',
      api: 'addr.isInSubnet(subnet)',
      answers: () => aA.map((a, i) => a.isInSubnet(aP[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (aA[i]!.isInSubnet(aP[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'cidr-tools',
      api: 'containsCidr(prefix, addr)',
      detail: stringsOnly,
      answers: () => sP.map((p, i) => containsCidr(p, sA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (containsCidr(sP[i]!, sA[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'netmask',
      api: 'block.contains(addr)',
      detail: stringAddr,
      answers: () => nP.map((p, i) => p.contains(sA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (nP[i]!.contains(sA[i]!)) k++;
        return k;
      },
    },
    {
      lib: 'ip-num',
      api: 'range.contains(addr)',
      answers: () => rP.map((p, i) => p.contains(rA[i]!)),
      loop: (m, passes) => {
        let k = 0;
        for (let r = 0; r < passes; r++) for (let i = 0; i < m; i++) if (rP[i]!.contains(rA[i]!)) k++;
        return k;
      },
    },
  ]);
}

/**
 * (d) summarize IPv4 prefixes into the minimal cover. The compared unit is the whole job, strings in and
 * strings out, because cidr-tools only takes and returns strings; core on pre-parsed prefixes is an extra,
 * informational row. ip-num's Pool.aggregate is checked on the first `ipNumSample` inputs only: it takes
 * about 12 s on 10,000 here, and one wrong answer is enough to rule it out.
 */
export function caseD(xs: readonly string[], ipNumSample: number): Case {
  const want = summarize4(xs);
  const pre = xs.map((s) => Prefix.parse(s));
  const sample = xs.slice(0, ipNumSample);
  const ipNum = (ys: readonly string[]): string[] =>
    Pool.fromCidrRanges(ys.map((s) => IPv4CidrRange.fromCidr(s)))
      .aggregate()
      .getRanges()
      .map((r) => r.toCidrRange().toCidrString());
  const ipNumChecked = checkPrefixSet(attempt(() => ipNum(sample)), summarize4(sample));
  const onSample = sample.length < xs.length ? `checked on the first ${sample.length.toLocaleString('en')} inputs only (about 12 s for all 10,000): ` : '';
  return {
    id: 'd',
    group: 'd',
    title: `(d) summarize ${xs.length.toLocaleString('en')} IPv4 prefixes → ${want.length.toLocaleString('en')} (strings in, strings out)`,
    items: 1,
    unit: 'ms/run',
    scale: 1,
    target: 2,
    notes: [
      'inputs: lengths /20…/30 inside 64 random /16s, so they nest, overlap, repeat and adjoin; every output is compared, as a set, with an independent reference (merge intervals, then greedy aligned blocks: the unique minimal cover)',
    ],
    entries: [
      entry(
        '@ipam/core',
        'summarize(xs.map(Prefix.parse)).map(String)',
        checkPrefixSet(attempt(() => summarize(xs.map((s) => Prefix.parse(s))).map((p) => p.toString())), want),
        () => {
          const out = summarize(xs.map((s) => Prefix.parse(s)));
          let k = out.length;
          for (let i = 0; i < out.length; i++) k = consume(k, out[i]!.toString());
          return k;
        },
      ),
      entry(
        '@ipam/core',
        'summarize(prefixes)',
        checkPrefixSet(attempt(() => summarize(pre).map((p) => p.toString())), want),
        () => summarize(pre).length,
        { variant: 'pre-parsed', info: true, detail: 'Prefix[] in, Prefix[] out: no parsing or formatting' },
      ),
      noApi('ipaddr.js', 'no merge or summarize function'),
      noApi('ip-address', 'no merge or summarize function'),
      entry('cidr-tools', 'mergeCidr(xs)', checkPrefixSet(attempt(() => mergeCidr([...xs])), want), () => {
        const out = mergeCidr(xs as string[]);
        let k = out.length;
        for (let i = 0; i < out.length; i++) k = consume(k, out[i]!);
        return k;
      }),
      noApi('netmask', 'no merge or summarize function'),
      {
        lib: 'ip-num',
        api: 'Pool.fromCidrRanges(…).aggregate()',
        verdict: ipNumChecked.verdict,
        detail: ipNumChecked.verdict === 'exact' ? `${onSample}matches; not timed (too slow for the time budget)` : `${onSample}${ipNumChecked.detail}`,
      },
    ],
  };
}

/**
 * (e) split ranges into prefixes. None of the five peers has a range → prefixes function, so core is timed
 * alone; the entries say what each peer offers instead.
 */
export function caseE<T extends number | bigint>(fam: 4 | 6, ranges: readonly Range<T>[]): Case {
  const want = ranges.map((r) => (fam === 4 ? cover4(r.lo as number, r.hi as number) : cover6(r.lo as bigint, r.hi as bigint)));
  const xs = ranges.map((r) => r.text);
  const pre = xs.map((s) => IPRange.parse(s));
  const total = want.reduce((n, w) => n + w.length, 0);
  const same = (got: string[][] | Error): Checked => {
    if (got instanceof Error) return { verdict: 'unsupported', detail: `throws: "${got.message.slice(0, 80)}"` };
    const bad = got.findIndex((g, i) => g.join() !== want[i]!.join());
    return bad < 0 ? { verdict: 'exact' } : { verdict: 'incorrect', detail: `range \`${xs[bad]}\` → ${got[bad]!.length} prefixes, expected ${want[bad]!.length}` };
  };
  const ipNumProbe = attempt(() => RangedSet.fromRangeString(fam === 4 ? '10.0.0.1-10.0.0.6' : '::1-::6').toCidrRange());
  const ipNumSays = ipNumProbe instanceof Error ? ` ("${ipNumProbe.message}" for 10.0.0.1-10.0.0.6)` : '';
  return {
    id: `e/v${fam}`,
    group: 'e',
    title: `(e) IPv${fam} range → prefixes, ${xs.length.toLocaleString('en')} ranges → ${total.toLocaleString('en')} prefixes (strings in, strings out)`,
    items: 1,
    unit: 'ms/run',
    scale: 1,
    target: 2,
    notes: [
      `ranges start anywhere and span 1…2^${fam === 4 ? 24 : 100} addresses (log-uniform); every output is compared, in order, with an independent reference (greedy largest aligned block)`,
    ],
    entries: [
      entry(
        '@ipam/core',
        'IPRange.parse(s).prefixes().map(String)',
        same(attempt(() => xs.map((s) => IPRange.parse(s).prefixes().map((p) => p.toString())))),
        () => {
          let k = 0;
          for (let i = 0; i < xs.length; i++) {
            const ps = IPRange.parse(xs[i]!).prefixes();
            for (let j = 0; j < ps.length; j++) k = consume(k, ps[j]!.toString());
          }
          return k;
        },
      ),
      entry(
        '@ipam/core',
        'range.prefixes()',
        same(attempt(() => pre.map((r) => r.prefixes().map((p) => p.toString())))),
        () => {
          let k = 0;
          for (let i = 0; i < pre.length; i++) k += pre[i]!.prefixes().length;
          return k;
        },
        { variant: 'pre-parsed', info: true, detail: 'IPRange[] in, Prefix[] out: no parsing or formatting' },
      ),
      noApi('ipaddr.js', 'no range type'),
      noApi('ip-address', 'no range type (startAddress/endAddress of a subnet only)'),
      noApi('cidr-tools', 'takes and returns CIDRs and single IPs only; its range splitter (`subparts`) is internal'),
      noApi('netmask', 'no range type'),
      noApi('ip-num', `RangedSet.toCidrRange() only converts a range that is exactly one prefix${ipNumSays}; Pool.aggregate() leaves other ranges unsplit`),
    ],
  };
}
