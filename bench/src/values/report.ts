/** The markdown summary printed after the value benchmarks: per-case times, ratios, targets and check notes. */
import type { Bench } from 'tinybench';
import { type Case, type Entry, LIBS, taskName } from './model.js';

/**
 * Timing is the measured time of one entry, in its case's unit: the median over the rounds of each round's
 * mean, and the spread of the round means around it (max − min, relative).
 */
interface Timing {
  readonly value: number;
  readonly spread: number;
}

function timing(bench: Bench, c: Case, e: Entry, rounds: number): Timing | string | undefined {
  if (!e.run) return undefined;
  const means: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const r = bench.getTask(taskName(c, e, round))?.result;
    if (!r) return 'not run';
    if (r.state === 'errored') return `error: ${r.error.message.slice(0, 60)}`;
    if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') return r.state;
    means.push(r.latency.mean * (e.scale ?? c.scale));
  }
  means.sort((x, y) => x - y);
  const value = means[means.length >> 1]!;
  return { value, spread: (means[means.length - 1]! - means[0]!) / value };
}

function num(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const MARK: Record<Entry['verdict'], string> = {
  exact: '',
  value: ' ≈',
  incorrect: '✗ wrong',
  unsupported: '⨯ throws',
  'no-api': '—',
};

/** Row is the outcome of one case: core's time, the fastest correct peer's, and their ratio. */
export interface Row {
  readonly c: Case;
  readonly core: Timing | undefined;
  readonly fastest: { lib: string; t: Timing } | undefined;
  /** Fastest peer time ÷ core time: above 1, core is faster. */
  readonly ratio: number | undefined;
}

/** rows computes the outcome of every case from a finished bench. */
export function rows(bench: Bench, cases: readonly Case[], rounds: number): Row[] {
  return cases.map((c) => {
    const coreEntry = c.entries.find((e) => e.lib === '@ipam/core' && !e.variant);
    const ct = coreEntry && timing(bench, c, coreEntry, rounds);
    const core = typeof ct === 'object' ? ct : undefined;
    let fastest: Row['fastest'];
    for (const e of c.entries) {
      if (e.lib === '@ipam/core' || e.info) continue;
      const t = timing(bench, c, e, rounds);
      if (typeof t === 'object' && (!fastest || t.value < fastest.t.value)) fastest = { lib: e.lib, t };
    }
    return { c, core, fastest, ratio: core && fastest ? fastest.t.value / core.value : undefined };
  });
}

function cell(bench: Bench, c: Case, e: Entry | undefined, rounds: number): string {
  if (!e) return '';
  const t = timing(bench, c, e, rounds);
  if (typeof t === 'object') return `${num(t.value)}${MARK[e.verdict]}`;
  if (typeof t === 'string') return t;
  return e.verdict === 'exact' ? '✓ not timed' : MARK[e.verdict];
}

/** markdown renders the summary: the main table, the target verdicts, the extra rows and the check notes. */
export function markdown(bench: Bench, cases: readonly Case[], rounds: number, header: readonly string[]): string {
  const rs = rows(bench, cases, rounds);
  const out: string[] = [...header, ''];
  out.push(`| case | unit | ${LIBS.join(' | ')} | fastest peer | core speed-up | target | met |`);
  out.push(`|---|---|${LIBS.map(() => '--:').join('|')}|---|--:|--:|:-:|`);
  for (const r of rs) {
    const cells = LIBS.map((lib) => cell(bench, r.c, r.c.entries.find((e) => e.lib === lib && !e.variant), rounds));
    const ratio = r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(2)}×`;
    const target = r.c.target === undefined ? '' : `≥ ${r.c.target}×`;
    const met = r.ratio === undefined ? 'n/a' : r.ratio >= (r.c.target ?? 0) ? 'yes' : '**no**';
    out.push(`| ${r.c.id} | ${r.c.unit} | ${cells.join(' | ')} | ${r.fastest?.lib ?? 'none'} | ${ratio} | ${target} | ${met} |`);
  }
  out.push('');
  out.push(`Lower is better: each time is the median of ${rounds} round${rounds > 1 ? 's' : ''} (every task runs once per round, rounds one after another). Speed-up = fastest correct peer time ÷ core time, both from this run. ` +
      '`≈` right value, but not the RFC 5952 text; `✗ wrong` a wrong value for some input (not timed); `⨯ throws` cannot parse some input (not timed); `—` no such function.');
  out.push('');
  out.push('### Targets');
  out.push('');
  out.push('| brief | target | worst row | result |');
  out.push('|---|--:|---|---|');
  for (const g of ['a', 'b', 'c', 'd', 'e'] as const) {
    const gr = rs.filter((r) => r.c.group === g && r.c.target !== undefined);
    if (gr.length === 0) continue;
    const rated = gr.filter((r) => r.ratio !== undefined);
    const target = gr[0]!.c.target!;
    if (rated.length === 0) {
      out.push(`| (${g}) | ≥ ${target}× | — | n/a: no correct peer offers this operation |`);
      continue;
    }
    const worst = rated.reduce((a, b) => (b.ratio! < a.ratio! ? b : a));
    const met = rated.every((r) => r.ratio! >= target);
    const unrated = gr.length - rated.length;
    const tail = unrated > 0 ? ` (${unrated} row${unrated > 1 ? 's' : ''} without a peer)` : '';
    const below = rated.filter((r) => r.ratio! < target).length;
    const result = met ? `met in all ${rated.length} row${rated.length > 1 ? 's' : ''}` : `**MISSED** in ${below} of ${rated.length} row${rated.length > 1 ? 's' : ''}`;
    out.push(`| (${g}) | ≥ ${target}× | ${worst.c.id}: ${worst.ratio!.toFixed(2)}× vs ${worst.fastest!.lib} | ${result}${tail} |`);
  }
  const extra = cases.flatMap((c) => c.entries.filter((e) => e.variant).map((e) => [c, e] as const));
  if (extra.length) {
    out.push('');
    out.push('### Extra rows (informational, not compared)');
    out.push('');
    for (const [c, e] of extra) {
      const t = timing(bench, c, e, rounds);
      out.push(`- ${c.id} ${e.lib} (${e.variant}), \`${e.api}\`: ${typeof t === 'object' ? `${num(t.value)} ${c.unit} (spread ${(100 * t.spread).toFixed(0)}%)` : (t ?? 'not timed')}${e.detail ? ` — ${e.detail}` : ''}`);
    }
  }
  out.push('');
  out.push('### Cases, APIs and output checks');
  for (const c of cases) {
    out.push('');
    out.push(`- **${c.id}** ${c.title}${c.notes?.length ? `. ${c.notes.join(' ')}` : ''}`);
    for (const e of c.entries) {
      if (e.variant) continue;
      const t = timing(bench, c, e, rounds);
      const time = typeof t === 'object' ? ` (${num(t.value)} ${c.unit}, spread ${(100 * t.spread).toFixed(0)}% over the rounds)` : '';
      out.push(`  - ${e.lib}: \`${e.api}\` — ${e.verdict}${time}${e.detail ? `: ${e.detail}` : ''}`);
    }
  }
  return out.join('\n');
}
