import { parseArgs, type ParseArgsConfig } from 'node:util';
import pkg from '../package.json';
import { auditCommand, planCommand, whichCommand } from './commands/cluster.js';
import { calcCommand } from './commands/calc.js';
import { cniLintCommand, cniRangesCommand, oneDir } from './commands/cni.js';
import { type CliIo, type Ctx, OUTPUTS, type Output, UsageError, paint } from './internal/io.js';

/** VERSION is the version of @ipam/cli (its package.json, inlined at build time), printed by `ipam --version`. */
export const VERSION: string = pkg.version;

/**
 * EXIT_CODES are the exit codes of `ipam`:
 * - `ok` (0): done; for `audit`, nothing at or above `--fail-on`;
 * - `failure` (1): the work could not be done (an unreadable file, input that does not parse, an API error), or
 *   `cni lint` found problems;
 * - `usage` (2): the command line is wrong (unknown command or flag, a bad CIDR argument);
 * - `warnings` (3): `audit --fail-on warning` found warnings and no errors;
 * - `errors` (4): `audit` found errors (unless `--fail-on never`).
 */
export const EXIT_CODES = {
  /** EXIT_CODES.ok: done. */
  ok: 0,
  /** EXIT_CODES.failure: the work could not be done, or `cni lint` found problems. */
  failure: 1,
  /** EXIT_CODES.usage: the command line is wrong. */
  usage: 2,
  /** EXIT_CODES.warnings: `audit --fail-on warning` found warnings. */
  warnings: 3,
  /** EXIT_CODES.errors: `audit` found errors. */
  errors: 4,
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;
const GLOBAL: Options = {
  output: { type: 'string', short: 'o' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const INPUT: Options = {
  dump: { type: 'string' },
  file: { type: 'string', multiple: true },
  'cni-dir': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  external: { type: 'string', multiple: true },
};

interface Command {
  readonly summary: string;
  readonly options: Options;
  readonly usage: string;
  readonly help: string;
  readonly examples: readonly string[];
  readonly run: (ctx: Ctx, positionals: string[], values: Record<string, unknown>) => Promise<number> | number;
}

const INPUT_HELP = `Input (any combination):
  --dump FILE|DIR|-      kubectl cluster-info dump output (a file, an --output-directory, or - for stdin)
  --file F               kubectl get -o json|yaml output, manifests, kubeadm/kube-proxy configs, plugin objects (repeatable)
  --cni-dir DIR          a CNI configuration directory
  --kubeconfig PATH      read a live cluster (needs @kubernetes/client-node); --context C picks the context
  --external CIDR[=NAME] a network outside the cluster it must not overlap (repeatable)`;

const COMMANDS: Record<string, Command> = {
  calc: {
    summary: 'first, last, size, masks and neighbours of prefixes; summarize, exclude, split',
    options: { into: { type: 'string' }, limit: { type: 'string' } },
    usage: 'calc <cidr|range|address>... | calc summarize <items>... | calc exclude <from> <minus>... | calc split <cidr> --into <len>',
    help: `Everything about prefixes, ranges and addresses: first, last, size, netmask, hostmask, the previous and next
prefix of the same size, and the IANA special-purpose blocks they touch. summarize merges items into the fewest
prefixes; exclude takes items out of the first one; split cuts a prefix into prefixes of length --into (at most
--limit of them, default 65536).`,
    examples: ['calc 10.244.0.0/16 fd00:10:244::/56', 'calc 10.0.0.5-10.0.0.17', 'calc summarize 10.0.0.0/25 10.0.0.128/25', 'calc exclude 10.0.0.0/8 10.96.0.0/12', 'calc split 10.244.0.0/22 --into 24 -o json'],
    run: (ctx, pos, v) => calcCommand(ctx, pos, v.into as string | undefined, v.limit as string | undefined),
  },
  plan: {
    summary: "plan a cluster's pod, service and node CIDRs",
    options: { nodes: { type: 'string' }, 'pods-per-node': { type: 'string' }, services: { type: 'string' }, 'dual-stack': { type: 'boolean' }, ipv6: { type: 'boolean' }, avoid: { type: 'string', multiple: true }, svg: { type: 'string' } },
    usage: 'plan --nodes N --pods-per-node N --services N [--dual-stack | --ipv6] [--avoid CIDR]... [--svg FILE]',
    help: `Plans a cluster's pod, service and node CIDRs for the given size, clear of every --avoid network, with the
kube-controller-manager and kube-apiserver flags that set them up. --svg writes an address map of the plan.`,
    examples: ['plan --nodes 500 --pods-per-node 110 --services 5000', 'plan --nodes 100 --pods-per-node 64 --services 1000 --dual-stack --avoid 10.0.0.0/16 --svg plan.svg'],
    run: (ctx, pos, v) => {
      if (pos.length > 0) throw new UsageError(`plan takes no arguments, got "${pos[0]}"`, 'ipam plan --nodes 100 --pods-per-node 110 --services 1000');
      return planCommand(ctx, v as Parameters<typeof planCommand>[1]);
    },
  },
  audit: {
    summary: "audit a cluster's address space (exit code = worst finding)",
    options: { ...INPUT, 'fail-on': { type: 'string' }, threshold: { type: 'string' }, svg: { type: 'string' } },
    usage: 'audit [--dump FILE|DIR|-] [--file F]... [--kubeconfig PATH --context C] [--external CIDR[=NAME]]... [--fail-on error|warning|never] [--svg FILE]',
    help: `Audits a cluster's address space: overlaps between pod, service, node, CNI plugin and outside networks,
duplicated or stray addresses, settings that disagree, capacity left, plugin pools near exhaustion and leaked
allocations. The exit code reflects the worst finding so the audit can gate CI: 4 errors, 3 warnings (with
--fail-on warning), 0 otherwise; --fail-on never always exits 0. --threshold sets when a plugin pool counts as
nearly full (default 0.9). --svg writes an address map of the cluster CIDR.

${INPUT_HELP}`,
    examples: ['kubectl cluster-info dump -A | ipam audit --dump -', 'audit --dump dump.txt --external 10.96.64.0/18=vpn --svg map.svg', 'audit --kubeconfig ~/.kube/config --context prod -o json', 'audit --file ippools.yaml --file ipamblocks.yaml --file nodes.json'],
    run: (ctx, pos, v) => {
      if (pos.length > 0) throw new UsageError(`audit takes no arguments, got "${pos[0]}"`, 'give the dump with --dump FILE');
      return auditCommand(ctx, v as Parameters<typeof auditCommand>[1]);
    },
  },
  which: {
    summary: 'what an address is in the cluster, and every range it falls in',
    options: INPUT,
    usage: 'which <address>... [--dump FILE|DIR|-] [--file F]... [--kubeconfig PATH --context C] [--external CIDR[=NAME]]...',
    help: `Says what each address is in the cluster — the pod, Service, node or plugin allocation holding it — and every
range it falls in, most specific first; for a free address, the range it would come from.

${INPUT_HELP}`,
    examples: ['which 10.244.3.7 --dump dump.txt', 'which 10.96.0.10 fd00:10:96::a --dump cluster-state/ -o json'],
    run: (ctx, pos, v) => whichCommand(ctx, pos, v),
  },
  cni: {
    summary: 'lint a CNI configuration directory, or show its address ranges',
    options: {},
    usage: 'cni lint [DIR] | cni ranges [DIR]',
    help: `lint: the problems of a CNI configuration directory (default /etc/cni/net.d) as the container runtimes meet
them: every file CRI-O would skip and why, with file, JSON path, line and column, and whether containerd gets a
network at all; exit 1 when there is anything to fix. ranges: the address ranges each network hands out.`,
    examples: ['cni lint', 'cni lint ./net.d -o json', 'cni ranges /etc/cni/net.d'],
    run: (ctx, pos) => {
      const [sub, ...rest] = pos;
      if (sub === 'lint') return cniLintCommand(ctx, oneDir(rest, 'lint'));
      if (sub === 'ranges') return cniRangesCommand(ctx, oneDir(rest, 'ranges'));
      throw new UsageError(sub === undefined ? 'cni needs a subcommand' : `unknown cni subcommand "${sub}"`, 'ipam cni lint [DIR] or ipam cni ranges [DIR]');
    },
  },
};

function mainHelp(name: string): string {
  return `${name}: IP address management for Kubernetes (@ipam/cli ${VERSION})

Usage: ${name} <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([c, d]) => `  ${c.padEnd(7)} ${d.summary}`)
  .join('\n')}

Options for every command:
  -o, --output table|json|yaml   output format (default table); JSON and YAML carry "schemaVersion": 1
  --no-color                     no colors (also when NO_COLOR is set, or output is not a terminal)
  -h, --help                     help for a command: ${name} <command> --help

Exit codes: 0 ok, 1 failure, 2 usage error, 3 audit warnings (--fail-on warning), 4 audit errors.
`;
}

function commandHelp(name: string, command: string, c: Command): string {
  return `Usage: ${name} ${c.usage}

${c.help}

Examples:
${c.examples.map((e) => `  ${e.startsWith('kubectl ') ? e.replace('ipam ', `${name} `) : `${name} ${e}`}`).join('\n')}

Options for every command: -o, --output table|json|yaml; --no-color; -h, --help
`;
}

function defaultIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: process.stdin,
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    name: 'ipam',
  };
}

/** A one-line hint for an error a library threw, by its code. */
function hintFor(code: string | undefined): string {
  if (code === undefined) return 'run with --help for usage';
  if (code === 'ERR_K8S_IO' || code === 'ENOENT') return 'check the path and that it can be read';
  if (code === 'ERR_K8S_API') return 'check the kubeconfig, the context and that the API server answers (kubectl get nodes)';
  if (code.startsWith('ERR_K8S_INPUT')) return 'give the output of kubectl cluster-info dump or kubectl get -o json|yaml';
  if (code.startsWith('ERR_CNI')) return 'fix the configuration at the place the message names';
  return `the error code is ${code}`;
}

/**
 * run runs the `ipam` command line `argv` (without the node and script paths) and resolves to its exit code (see
 * {@link EXIT_CODES}). Output goes to `io` (default: the process's streams); nothing calls `process.exit`, so tests
 * and other tools can run commands in-process.
 *
 * @example
 * ```ts
 * let out = '';
 * const code = await run(['calc', '10.244.0.0/22', '-o', 'json'], { stdout: (t) => (out += t) });
 * JSON.parse(out).items[0].last; // '10.244.3.255'
 * ```
 */
export async function run(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...defaultIo(), ...io };
  const name = full.name;
  const base = { io: full, color: full.isTTY && !full.env['NO_COLOR'] && !argv.includes('--no-color') };
  const fail = (message: string, hint: string, code: number): number => {
    full.stderr(`${paint(base, 'red', `${name}:`)} ${message}\n${paint(base, 'dim', `hint: ${hint}`)}\n`);
    return code;
  };
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    const c = topic === undefined ? undefined : COMMANDS[topic];
    full.stdout(c !== undefined && topic !== undefined ? commandHelp(name, topic, c) : mainHelp(name));
    return command === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  if (command === '--version' || command === '-v') {
    full.stdout(`${VERSION}\n`);
    return EXIT_CODES.ok;
  }
  const c = COMMANDS[command];
  if (c === undefined) return fail(`unknown command "${command}"`, `the commands are ${Object.keys(COMMANDS).join(', ')}; see ${name} --help`, EXIT_CODES.usage);
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...rest], options: { ...GLOBAL, ...c.options }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ''), `see ${name} ${command} --help`);
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      full.stdout(commandHelp(name, command, c));
      return EXIT_CODES.ok;
    }
    const output = (values.output ?? 'table') as Output;
    if (!OUTPUTS.includes(output)) throw new UsageError(`--output must be table, json or yaml, got "${String(values.output)}"`, '-o json');
    return await c.run({ ...base, output }, positionals, values);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, e.hint, EXIT_CODES.usage);
    const err = e as Error & { code?: unknown };
    const code = typeof err.code === 'string' ? err.code : undefined;
    return fail(`${err.message ?? String(e)}${code !== undefined && !String(err.message).includes(code) ? ` (${code})` : ''}`, hintFor(code), EXIT_CODES.failure);
  }
}
