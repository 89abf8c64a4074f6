import { stringify } from 'yaml';

/** CliIo is what a command run sees of the world; {@link run} fills missing parts from the process. */
export interface CliIo {
  /** CliIo.stdout writes to standard output. */
  readonly stdout: (text: string) => void;
  /** CliIo.stderr writes to standard error. */
  readonly stderr: (text: string) => void;
  /** CliIo.stdin is standard input, read by `--dump -`. */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  /** CliIo.isTTY is whether standard output is a terminal: colors only then. */
  readonly isTTY: boolean;
  /** CliIo.stderrIsTTY is whether standard error is a terminal: progress lines only then. */
  readonly stderrIsTTY: boolean;
  /** CliIo.env is the environment (`NO_COLOR`, `KUBECONFIG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** CliIo.cwd is the directory relative paths are read from. */
  readonly cwd: string;
  /** CliIo.name is how the command is called in usage text: `ipam`, or `kubectl ipam` for the kubectl plugin. */
  readonly name: string;
}

/** The output formats of `--output`. */
export const OUTPUTS = ['table', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

/** UsageError is a command line that makes no sense: exit code 2, with a hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The version of the JSON and YAML documents the commands print; it changes only when a shape changes incompatibly. */
export const SCHEMA_VERSION = 1;

/** Context of one command: the io, the chosen output and colors. */
export interface Ctx {
  readonly io: CliIo;
  readonly output: Output;
  readonly color: boolean;
}

/** Prints a document as JSON or YAML, with `schemaVersion` and `command` first. */
export function printDocument(ctx: Ctx, command: string, body: Record<string, unknown>): void {
  const doc = { schemaVersion: SCHEMA_VERSION, command, ...body };
  const plain = JSON.parse(JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as unknown;
  ctx.io.stdout(ctx.output === 'yaml' ? stringify(plain, { lineWidth: 0 }) : `${JSON.stringify(plain, null, 2)}\n`);
}

const ANSI = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;

/** Wraps text in an ANSI color when colors are on. */
export function paint(ctx: { color: boolean }, color: keyof typeof ANSI, text: string): string {
  return ctx.color ? `\u001b[${ANSI[color]}m${text}\u001b[0m` : text;
}

/** Renders rows as an aligned text table with a header line. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
