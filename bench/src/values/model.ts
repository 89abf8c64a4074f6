/** The shape of a value-benchmark case: who is timed on what, and what the output checks found. */

/** LIBS are the report's columns: @ipam/core, then the peers in the order the brief names them. */
export const LIBS = ['@ipam/core', 'ipaddr.js', 'ip-address', 'cidr-tools', 'netmask', 'ip-num'] as const;
/** Lib is one of {@link LIBS}. */
export type Lib = (typeof LIBS)[number];

/**
 * Verdict is what checking a library's outputs before timing found:
 * - `exact`: every output equals @ipam/core's (which equals the bench's own reference);
 * - `value`: every output has the right value, but some are written differently (not the RFC 5952 text);
 *   timed, and flagged `≈`;
 * - `incorrect`: some output has the wrong value; not timed;
 * - `unsupported`: the library throws on some inputs of the case; not timed for that case;
 * - `no-api`: the library has no function for the operation; nothing to time.
 */
export type Verdict = 'exact' | 'value' | 'incorrect' | 'unsupported' | 'no-api';

/** Entry is one library in one case. */
export interface Entry {
  readonly lib: Lib;
  /** A variant label for a second row of the same library (`pre-parsed`), or undefined. */
  readonly variant?: string;
  /** The call that is timed, for the report. */
  readonly api: string;
  readonly verdict: Verdict;
  /** Why, for any verdict but `exact`; for `exact`, an optional caveat about the API. */
  readonly detail?: string;
  /** The timed body; returns a number that goes into the sink. Absent unless the verdict is exact or value. */
  readonly run?: () => number;
  /** Informational rows (a variant of @ipam/core) never count as the fastest peer. */
  readonly info?: boolean;
  /** The entry's own {@link Case.scale}, when it is timed on fewer items than the case (a slow library). */
  readonly scale?: number;
}

/** Case is one line of the summary: a workload, its size and the libraries run on it. */
export interface Case {
  /** Short id, `a`, `b/full`, `c/v4`, …; also the prefix of the tinybench task names. */
  readonly id: string;
  /** The brief's letter, which the targets are set for. */
  readonly group: 'a' | 'b' | 'c' | 'd' | 'e';
  readonly title: string;
  /** How many items one timed call handles, and what an item is: time per item = call time / items. */
  readonly items: number;
  readonly unit: string;
  /** Divisor from milliseconds per call to the unit per item (1e6 / items for ns per item). */
  readonly scale: number;
  /** The speed-up over the fastest correct peer that @ipam/core must reach, or undefined. */
  readonly target: number | undefined;
  readonly entries: readonly Entry[];
  readonly notes?: readonly string[];
}

/** taskName is the tinybench task name of an entry in one round of the run (rounds count from 1). */
export function taskName(c: Case, e: Entry, round: number): string {
  return `${c.id} ${e.lib}${e.variant ? ` (${e.variant})` : ''} #${round}`;
}

/** consume folds a string into an accumulator, reading one character so that lazy (rope) strings are flattened. */
export function consume(k: number, s: string): number {
  return (k + s.length + s.charCodeAt(s.length >> 1)) | 0;
}
