/**
 * A small argument parser for the CLI: `--flag`, `--option value`, `--option=value`, positionals.
 * @packageDocumentation
 */

/** Parsed command-line arguments. */
export interface ParsedArgs {
  /** Arguments that are not options, in order. */
  readonly positionals: string[];
  /** Options by name (without dashes); flags are `true`. */
  readonly options: Record<string, string | true>;
}

/**
 * Parses arguments.
 * @param argv - the arguments after the subcommand.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      options[a.slice(2, eq)] = a.slice(eq + 1);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      options[a.slice(2)] = next;
      i++;
    } else options[a.slice(2)] = true;
  }
  return { positionals, options };
}

/** A usage error: the CLI prints it with the usage and exits with status 2. */
export class UsageError extends Error {
  /** @param message - what is wrong with the arguments. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A numeric option, or its default; a non-number is a usage error naming the option.
 * @param args - parsed arguments.
 * @param name - the option.
 * @param fallback - the default.
 */
export function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const v = args.options[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number, got ${String(v)}`);
  return n;
}
