/**
 * The commands of the system property tests: what the operator and the faulty environment do to
 * a {@link World}. Each prints itself, so a shrunk counterexample reads as a schedule.
 * @packageDocumentation
 */
import fc from 'fast-check';
import type { World } from './world.js';

/** What the commands track about a run (for preconditions). */
export interface RunModel {
  /** Failovers so far. */
  failovers: number;
  /** Coordinator restarts so far. */
  restarts?: number;
}

type WorldCommand = fc.AsyncCommand<RunModel, World>;

class Trigger implements WorldCommand {
  check = () => true;
  async run(_m: RunModel, w: World) {
    w.trigger();
  }
  toString = () => 'trigger checkpoint';
}

class Savepoint implements WorldCommand {
  check = () => true;
  async run(_m: RunModel, w: World) {
    w.savepoint();
  }
  toString = () => 'trigger savepoint';
}

class Deliver implements WorldCommand {
  constructor(readonly picks: readonly number[]) {}
  check = () => true;
  async run(_m: RunModel, w: World) {
    for (const p of this.picks) if (!w.step(p)) break;
  }
  toString = () => `deliver ${this.picks.length} [${this.picks.join(',')}]`;
}

class DeliverData implements WorldCommand {
  constructor(readonly picks: readonly number[]) {}
  check = () => true;
  async run(_m: RunModel, w: World) {
    for (const p of this.picks) if (!w.stepData(p)) break;
  }
  toString = () => `deliver data only ${this.picks.length} [${this.picks.join(',')}]`;
}

class DeliverToTasks implements WorldCommand {
  constructor(readonly picks: readonly number[]) {}
  check = () => true;
  async run(_m: RunModel, w: World) {
    for (const p of this.picks) if (!w.stepToTasks(p) && !w.stepData(p)) break;
  }
  toString = () => `deliver to tasks and data only ${this.picks.length} [${this.picks.join(',')}]`;
}

class DeliverAll implements WorldCommand {
  check = () => true;
  async run(_m: RunModel, w: World) {
    w.runAll();
  }
  toString = () => 'deliver all';
}

class Advance implements WorldCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: RunModel, w: World) {
    w.advance(this.ms);
  }
  toString = () => `advance ${this.ms} ms`;
}

class Drop implements WorldCommand {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_m: RunModel, w: World) {
    w.drop(this.pick);
  }
  toString = () => `drop control message #${this.pick}`;
}

class Duplicate implements WorldCommand {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_m: RunModel, w: World) {
    w.duplicate(this.pick);
  }
  toString = () => `duplicate control message #${this.pick}`;
}

class Failover implements WorldCommand {
  constructor(readonly task: number) {}
  check = (m: Readonly<RunModel>) => m.failovers < 3;
  async run(m: RunModel, w: World) {
    m.failovers++;
    w.failover(w.taskIds[this.task % w.taskIds.length]!);
  }
  toString = () => `fail task #${this.task} and fail over`;
}

class RestartCoordinator implements WorldCommand {
  check = (m: Readonly<RunModel>) => (m.restarts ?? 0) < 2;
  async run(m: RunModel, w: World) {
    m.restarts = (m.restarts ?? 0) + 1;
    await w.restartCoordinator();
  }
  toString = () => 'coordinator crashes, a new one restores the job';
}

/** The kinds of commands, for weights. */
export type CommandKind = 'trigger' | 'savepoint' | 'deliver' | 'deliverData' | 'deliverToTasks' | 'deliverAll' | 'advance' | 'drop' | 'duplicate' | 'failover' | 'restart';

/** Default weights: mostly checkpoints and deliveries. */
export const DEFAULT_WEIGHTS: Readonly<Record<CommandKind, number>> = { trigger: 5, savepoint: 1, deliver: 3, deliverData: 2, deliverToTasks: 1, deliverAll: 3, advance: 1, drop: 1, duplicate: 1, failover: 1, restart: 1 };

/** Options of {@link worldCommands}. */
export interface CommandOptions {
  /** Most commands per run. */
  readonly maxCommands: number;
  /** Most deliveries of one `deliver` command. */
  readonly maxDeliveries: number;
  /** The checkpoint timeout (time moves by a fraction of it, or past it). */
  readonly timeout: number;
  /** Weights of the kinds of commands (default {@link DEFAULT_WEIGHTS}). */
  readonly weights?: Partial<Record<CommandKind, number>>;
}

/**
 * The arbitrary of command sequences: checkpoints and savepoints, partial and full delivery in
 * any order, time, lost and duplicated checkpoint messages, task failures with failover,
 * coordinator crashes.
 * @param o - sizes and weights.
 */
export function worldCommands(o: CommandOptions) {
  const pick = fc.nat({ max: 0xffff });
  const picks = fc.array(pick, { minLength: 1, maxLength: o.maxDeliveries });
  const kinds: Record<CommandKind, fc.Arbitrary<WorldCommand>> = {
    trigger: fc.constant(new Trigger()),
    savepoint: fc.constant(new Savepoint()),
    deliver: picks.map((p) => new Deliver(p)),
    deliverData: picks.map((p) => new DeliverData(p)),
    deliverToTasks: picks.map((p) => new DeliverToTasks(p)),
    deliverAll: fc.constant(new DeliverAll()),
    advance: fc.constantFrom(o.timeout / 4, o.timeout + 1).map((ms) => new Advance(ms)),
    drop: pick.map((p) => new Drop(p)),
    duplicate: pick.map((p) => new Duplicate(p)),
    failover: fc.nat({ max: 1000 }).map((t) => new Failover(t)),
    restart: fc.constant(new RestartCoordinator()),
  };
  const weights = { ...DEFAULT_WEIGHTS, ...o.weights };
  // Repeated entries weigh (fc.commands picks uniformly among its arbitraries).
  const arbitraries = (Object.keys(kinds) as CommandKind[]).flatMap((k) => Array.from({ length: weights[k] }, () => kinds[k]));
  return fc.commands(arbitraries, { maxCommands: o.maxCommands, size: 'max' });
}

/**
 * The seed and path of a property run: from the environment (`SEED`, and `FC_PATH` for the path
 * fast-check reports with a counterexample: `PATH` is the shell's) to replay one, else a fresh
 * seed. Printed, with the command that replays it.
 * @param name - the property, for the message.
 */
export function seedOf(name: string): { seed: number; path?: string } {
  const seed = Number(process.env.SEED) || Date.now() % 2 ** 31;
  const path = process.env.FC_PATH;
  console.log(`${name}: seed ${seed}${path ? ` path ${path}` : ''} (replay with SEED=${seed}${path ? ` FC_PATH=${path}` : ''})`);
  return path ? { seed, path } : { seed };
}

/**
 * A number of runs, scaled by `FC_RUNS_SCALE` (default 1) for longer soak runs.
 * @param n - the default number of runs.
 */
export function runs(n: number): number {
  const scale = Number(process.env.FC_RUNS_SCALE);
  return Number.isFinite(scale) && scale > 0 ? Math.max(1, Math.round(n * scale)) : n;
}
