/** Output checks run before timing: each library's outputs against @ipam/core's, and core's against the reference. */
import type { Verdict } from './model.js';

/** Checked is a verdict with its explanation. */
export interface Checked {
  readonly verdict: Verdict;
  readonly detail?: string;
}

const show = (s: unknown): string => {
  const t = typeof s === 'string' ? s : String(s);
  return `\`${t.length > 60 ? `${t.slice(0, 57)}…` : t}\``;
};

/**
 * checkFormat checks a parse+format function over inputs: exact when every output equals `expected[i]`;
 * value when the outputs differ from it but `valueOf(output)` equals `truth[i]`; otherwise incorrect, or
 * unsupported when it throws.
 */
export function checkFormat<T>(
  inputs: readonly string[],
  format: (s: string) => string,
  expected: readonly string[],
  truth: readonly T[],
  valueOf: (out: string) => T | undefined,
): Checked {
  let thrown = 0;
  let wrong = 0;
  let other = 0;
  let firstThrown = '';
  let firstWrong = '';
  let firstOther = '';
  for (let i = 0; i < inputs.length; i++) {
    let out: string;
    try {
      out = format(inputs[i]!);
    } catch (e) {
      if (thrown++ === 0) firstThrown = `${show(inputs[i])} throws "${(e as Error).message?.slice(0, 80)}"`;
      continue;
    }
    if (out === expected[i]) continue;
    if (valueOf(out) === truth[i]) {
      if (other++ === 0) firstOther = `${show(inputs[i])} → ${show(out)}, canonical ${show(expected[i])}`;
    } else if (wrong++ === 0) {
      firstWrong = `${show(inputs[i])} → ${show(out)}, expected ${show(expected[i])}`;
    }
  }
  const n = inputs.length;
  if (wrong > 0) {
    const also = thrown > 0 ? `; also throws on ${thrown}/${n}, e.g. ${firstThrown}` : '';
    return { verdict: 'incorrect', detail: `wrong value for ${wrong}/${n} inputs, e.g. ${firstWrong}${also}` };
  }
  if (thrown > 0) return { verdict: 'unsupported', detail: `cannot parse ${thrown}/${n} inputs, e.g. ${firstThrown}` };
  if (other > 0) {
    return { verdict: 'value', detail: `right value but not the RFC 5952 text for ${other}/${n} outputs, e.g. ${firstOther}` };
  }
  return { verdict: 'exact' };
}

/** checkBooleans compares a library's answers with @ipam/core's, pair by pair. */
export function checkBooleans(got: readonly boolean[] | Error, want: readonly boolean[], label: (i: number) => string): Checked {
  if (got instanceof Error) return { verdict: 'unsupported', detail: `throws: "${got.message.slice(0, 80)}"` };
  let wrong = 0;
  let first = -1;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      if (wrong++ === 0) first = i;
    }
  }
  if (wrong === 0) return { verdict: 'exact' };
  return { verdict: 'incorrect', detail: `${wrong}/${want.length} answers differ, e.g. ${label(first)}: ${got[first]}, expected ${want[first]}` };
}

/**
 * checkPrefixSet compares a list of prefix strings with the expected minimal cover, as sets (and says when
 * only the order differs).
 */
export function checkPrefixSet(got: readonly string[] | Error, want: readonly string[]): Checked {
  if (got instanceof Error) return { verdict: 'unsupported', detail: `throws: "${got.message.slice(0, 80)}"` };
  const w = new Set(want);
  const g = new Set(got);
  const missing = want.filter((p) => !g.has(p));
  const extra = got.filter((p) => !w.has(p));
  if (missing.length === 0 && extra.length === 0 && got.length === want.length) return { verdict: 'exact' };
  return {
    verdict: 'incorrect',
    detail:
      `${got.length} prefixes where the minimal cover has ${want.length}: ${extra.length} not in it` +
      `${extra.length ? ` (e.g. ${show(extra[0])})` : ''}, ${missing.length} of it missing${missing.length ? ` (e.g. ${show(missing[0])})` : ''}`,
  };
}

/** attempt runs f and returns its result, or the error it threw. */
export function attempt<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
