/**
 * PEER, beyond the images: the old and the new machines composed in the model checker. Four
 * bounded, exhaustive runs of the same small world (one source, one two-phase-commit sink, lossy
 * and duplicating control network, one crash, one savepoint): old with old, new with new, and the
 * two mixed deployments (new coordinator with old tasks, old coordinator with new tasks). A safety
 * property violated only in a mixed run, or an outcome both versions reach alone but a mixed run
 * never reaches (a checkpoint that can no longer complete), is a breaking incompatibility (the
 * former with a counterexample); an outcome only the new version reaches, lost in a mixed run, is
 * risky. The checker encodes the machines' contexts, so versions whose contexts differ cannot be
 * composed: those runs are listed as not compared. The old machines come from a git ref: its `machines/` and `spec/` are exported
 * to a temporary directory and imported from there.
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorldConfig } from '../checker/protocol/config.js';
import type { CheckResult } from '../checker/protocol/run.js';
import { check } from '../checker/protocol/run.js';
import { REPO_ROOT } from '../codegen/config.js';
import type { CoordinatorMachine } from '../machines/coordinator/index.js';
import type { TaskMachine } from '../machines/task/index.js';
import { AuditInputError } from './errors.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

/** One version's machines. */
export interface MachinePair {
  /** The coordinator. */
  readonly coordinatorMachine: CoordinatorMachine;
  /** The task. */
  readonly taskMachine: TaskMachine;
}

/** The world of the composed runs: small enough for seconds, with loss, duplication and a crash. */
export const COMPOSE_WORLD: Partial<WorldConfig> = Object.freeze({
  sources: 1,
  twoInputTask: false,
  sinks: 1,
  maxConcurrent: 1,
  maxIds: 2,
  crashes: 1,
  savepoints: 1,
  loss: true,
  duplication: true,
  reorder: false,
});

/** What the composition found. */
export interface ComposeResult {
  /** PEER findings: violations and lost outcomes of mixed runs, and the mixed runs that passed. */
  readonly findings: readonly Finding[];
  /** Runs that could not be made or finished (incompatible harness, search bound). */
  readonly notCompared: readonly string[];
}

/**
 * The machines exported by `machines/index.ts` of a source tree (with `spec/` beside it and
 * `node_modules` reachable from it).
 * @param dir - the tree's root.
 * @throws AuditInputError when it exports no machines.
 */
export async function machinesIn(dir: string): Promise<MachinePair> {
  const mod = (await import(pathToFileURL(path.join(dir, 'machines', 'index.ts')).href)) as Partial<MachinePair>;
  if (!mod.coordinatorMachine || !mod.taskMachine) throw new AuditInputError(`${dir}: machines/index.ts exports no coordinatorMachine and taskMachine`);
  return { coordinatorMachine: mod.coordinatorMachine, taskMachine: mod.taskMachine };
}

/**
 * Exports `machines/` and `spec/` at a git ref into a new temporary directory, with the
 * repository's `node_modules` linked in (so both versions share one xstate).
 * @param ref - a commit, branch or tag.
 * @param root - the repository root.
 * @returns the directory (the caller removes it).
 * @throws AuditInputError when the ref cannot be exported.
 */
export function exportMachines(ref: string, root: string = REPO_ROOT): string {
  if (ref.startsWith('-')) throw new AuditInputError(`--base ${ref}: not a git ref`);
  let tar: Buffer;
  try {
    tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', ref, 'machines', 'spec'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch {
    throw new AuditInputError(`--base ${ref}: cannot export machines/ and spec/ at that ref`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'snapwright-audit-machines-'));
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * The machines of the protocol at a git ref.
 * @param ref - a commit, branch or tag.
 * @param root - the repository root.
 * @throws AuditInputError when the ref or its machines cannot be read.
 */
export async function machinesAtRef(ref: string, root: string = REPO_ROOT): Promise<MachinePair> {
  const dir = exportMachines(ref, root);
  try {
    return await machinesIn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Run {
  readonly label: string;
  readonly result: CheckResult | null;
  readonly error: string | null;
}

function run(label: string, pair: MachinePair, config: Partial<WorldConfig>, maxSeconds: number): Run {
  try {
    return { label, result: check({ config, coordinatorMachine: pair.coordinatorMachine, taskMachine: pair.taskMachine, maxSeconds }), error: null };
  } catch (e) {
    return { label, result: null, error: e instanceof Error ? e.message : String(e) };
  }
}

function status(r: Run, property: string): string | undefined {
  return r.result?.report.properties.find((p) => p.name === property)?.status;
}

/**
 * Composes the old and the new machines in the model checker.
 * @param old - the old version's machines.
 * @param fresh - the new version's machines.
 * @param options - the world (default {@link COMPOSE_WORLD}) and a time bound per run (default 60 s).
 */
export function composeVersions(old: MachinePair, fresh: MachinePair, options: { readonly config?: Partial<WorldConfig>; readonly maxSeconds?: number } = {}): ComposeResult {
  const config = options.config ?? COMPOSE_WORLD;
  const maxSeconds = options.maxSeconds ?? 60;
  const pure = [run('old coordinator with old tasks', old, config, maxSeconds), run('new coordinator with new tasks', fresh, config, maxSeconds)];
  const mixed = [
    run('new coordinator with old tasks', { coordinatorMachine: fresh.coordinatorMachine, taskMachine: old.taskMachine }, config, maxSeconds),
    run('old coordinator with new tasks', { coordinatorMachine: old.coordinatorMachine, taskMachine: fresh.taskMachine }, config, maxSeconds),
  ];
  const findings: Finding[] = [];
  const notCompared: string[] = [];
  for (const r of [...pure, ...mixed]) {
    if (r.error !== null) notCompared.push(`model check of ${r.label}: the checker could not run it (${r.error})`);
    else if (!r.result?.report.complete) notCompared.push(`model check of ${r.label}: stopped at its bound (${r.result?.report.stoppedBy ?? 'unknown'}); safety verdicts are partial`);
  }
  if (pure.some((r) => r.error !== null)) return { findings, notCompared };
  for (const r of mixed) {
    if (!r.result) continue;
    const subject = `/compose/${r.label.replace(/ /g, '-')}`;
    let clean = true;
    for (const ce of r.result.counterexamples) {
      if (pure.some((p) => status(p, ce.property) === 'violated')) continue;
      clean = false;
      findings.push(finding('PEER', 'MIXED_VERSION_VIOLATION', 'breaking', 'neither', subject, `${r.label}: ${ce.property} violated: ${ce.message} (counterexample of ${ce.steps.length} steps; both versions alone hold it)`));
    }
    for (const p of r.result.report.properties) {
      if (p.kind !== 'sometimes' || p.status === 'holds' || status(pure[1] as Run, p.name) !== 'holds') continue;
      clean = false;
      // Lost although both versions reach it alone: the mix is to blame. Lost where the old
      // version alone never reached it either: the rollout inherits the old gap.
      const both = status(pure[0] as Run, p.name) === 'holds';
      findings.push(
        finding('PEER', 'LOST_REACHABILITY', both ? 'breaking' : 'risky', both ? 'neither' : 'unknown', subject, `${r.label}: "${p.name}" is never reached, though the new version alone reaches it${both ? ' and so does the old one' : ' (the old one alone does not either)'}`),
      );
    }
    if (clean && r.result.report.complete) {
      findings.push(finding('PEER', 'MIXED_VERSIONS_CHECKED', 'safe', 'both', subject, `${r.label}: ${r.result.report.states} states explored exhaustively; every property as with either version alone`));
    }
  }
  return { findings, notCompared };
}
