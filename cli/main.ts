/**
 * The `snapwright` command line: one subcommand per capability.
 * @packageDocumentation
 */
import { pathToFileURL } from 'node:url';
import { parseArgs, UsageError } from './args.js';
import { AUDIT_USAGE, auditCommand } from './commands/audit.js';
import { CHECK_USAGE, checkCommand } from './commands/check.js';
import { MUTANTS_USAGE, mutantsCommand } from './commands/mutants.js';
import { codegenCommand } from './commands/codegen.js';
import { DEMO_USAGE, demoCommand } from './commands/demo.js';
import { DIAGRAM_USAGE, diagramCommand } from './commands/diagram.js';
import { VIEW_USAGE, viewCommand } from './commands/view.js';
import { REPLAY_USAGE, replayCommand } from './commands/replay.js';
import { RUN_USAGE, runCommand } from './commands/run.js';
import { versionCommand } from './commands/version.js';

/** A subcommand: a summary for the help, and what it does. */
interface Subcommand {
  readonly summary: string;
  readonly usage: string;
  readonly run: (argv: readonly string[]) => number | Promise<number>;
}

const COMMANDS: Record<string, Subcommand> = {
  audit: {
    summary: 'compare the protocol image (messages, states and transitions, timers, defaults, properties, persisted shapes, public API) with the accepted baseline spec/protocol.lock.json or a git ref; classify each change WIRE/PEER/RECOVERY/PROPERTY/SOURCE, breaking/risky/safe, with its direction; exit 1 on unaccepted breaking changes',
    usage: AUDIT_USAGE,
    run: (argv) => auditCommand(parseArgs(argv)),
  },
  check: {
    summary: 'model-check the real machines composed with a faulty network, crashes and timers: every reachable state, every named property, shortest counterexamples (the standard configuration without options)',
    usage: `${CHECK_USAGE}\n       ${MUTANTS_USAGE}`,
    run: (argv) => {
      const args = parseArgs(argv);
      return args.options.mutants === undefined ? checkCommand(args) : mutantsCommand(args);
    },
  },
  codegen: {
    summary: 'rebuild generated/ (codecs, bindings, AsyncAPI, protocol image) from spec/ and the machines; --check lists missing, stale and extra files and exits 1',
    usage: 'snapwright codegen [--check] [--out DIR]',
    run: (argv) => codegenCommand(parseArgs(argv)),
  },
  demo: {
    summary: 'checkpoint rounds of a coordinator and a five-task graph in one process, barriers and all, printed step by step; --log writes a run log, --inspect streams to the Stately inspector',
    usage: DEMO_USAGE,
    run: (argv) => demoCommand(parseArgs(argv)),
  },
  diagram: {
    summary: 'write SVG (ELK layout) and Mermaid stateDiagram-v2 diagrams of the coordinator and task machines, for docs and pull requests',
    usage: DIAGRAM_USAGE,
    run: (argv) => diagramCommand(parseArgs(argv)),
  },
  replay: {
    summary: 'replay a trace saved by check against the real runtime actors, step by step, and show the same violation',
    usage: REPLAY_USAGE,
    run: (argv) => replayCommand(parseArgs(argv)),
  },
  view: {
    summary: 'write one self-contained HTML page (no network) stepping through a checker trace or a run log: statecharts with active states, sequence diagram, checkpoint timeline',
    usage: VIEW_USAGE,
    run: (argv) => viewCommand(parseArgs(argv)),
  },
  run: {
    summary: 'the main job: a checkpointed exactly-once streaming pipeline (seeded input log, keyed two-input operator, two-phase-commit file sinks, durable store), fault injection, recovery and a verdict',
    usage: RUN_USAGE,
    run: (argv) => runCommand(parseArgs(argv)),
  },
  version: { summary: 'print the version', usage: 'snapwright version', run: () => versionCommand() },
};

/** The help text. */
export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'snapwright: the checkpoint protocol of Apache Flink as formally checked XState statecharts',
    '',
    'usage: snapwright <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `snapwright <command> --help` for the options of one command.',
  ].join('\n');
}

/**
 * Runs the CLI.
 * @param argv - the arguments after `snapwright`.
 * @returns the exit status.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return 0;
  }
  if (name === '--version') return versionCommand();
  const command = COMMANDS[name];
  if (!command) {
    console.error(`snapwright: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`snapwright ${name}: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
