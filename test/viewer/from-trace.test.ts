/**
 * A checker trace as the viewer's run: the states of every actor after every step are the trace's,
 * each action becomes the right message or note, lost and duplicated deliveries are marked in the
 * sequence diagram, and the checkpoint timeline follows the coordinator's pending and completed
 * checkpoints. The trace is a real witness from the checker.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../checker/protocol/run.js';
import type { Trace } from '../../checker/protocol/run.js';
import type { ActionLabel } from '../../checker/protocol/world.js';
import { runOfTrace } from '../../viewer/from-trace.js';
import { sequenceSvg } from '../../viewer/sequence.js';
import { timelineSvg } from '../../viewer/timeline.js';

const witness = (() => {
  let cached: Trace | null = null;
  return () => {
    if (!cached) cached = check({ config: { maxIds: 2, crashes: 0, savepoints: 0 } }).witness('checkpoint-completes');
    if (!cached) throw new Error('no witness of checkpoint-completes');
    return cached;
  };
})();

/** The sequence diagram's row of a step (one line of the SVG per row). */
function row(svg: string, step: number): string {
  return svg.split('\n').find((line) => line.includes(` data-step="${step}">`)) ?? '';
}

describe('a checker trace in the viewer', () => {
  it('has the trace’s states, messages and checkpoints, step by step', () => {
    const trace = witness();
    const run = runOfTrace(trace);
    expect(run.title).toBe('witness for checkpoint-completes');
    expect(run.actors.map((a) => a.id)).toEqual(['coordinator', ...trace.initial.tasks.map((t) => t.taskId)]);
    expect(run.steps).toHaveLength(trace.steps.length);
    trace.steps.forEach((s, i) => {
      const states = run.steps[i]?.states ?? {};
      expect(states.coordinator?.value).toEqual(s.state.coordinator.state);
      for (const t of s.state.tasks) {
        const v = states[t.taskId]?.value as { lifecycle: string; barriers: unknown };
        expect(v.lifecycle).toBe(t.lifecycle);
        // The input side's dotted path, read back from the nested value.
        let path = '';
        for (let b: unknown = v.barriers; b !== undefined; ) {
          if (typeof b === 'string') {
            path += b;
            b = undefined;
          } else {
            const [k, inner] = Object.entries(b as Record<string, unknown>)[0] as [string, unknown];
            path += `${k}.`;
            b = inner;
          }
        }
        expect(path).toBe(t.barrierHandler);
        expect(states[t.taskId]?.attempt).toBe(t.attempt);
      }
      const a = s.action;
      const m = run.steps[i]?.message;
      if (a.kind === 'deliver') expect(m).toMatchObject({ kind: 'control', to: a.to, from: a.to === 'coordinator' ? a.message.taskId : 'coordinator', mark: a.duplicate ? 'duplicated' : 'delivered' });
      else if (a.kind === 'data') expect(m).toMatchObject({ kind: 'data', from: a.from, to: a.to, mark: 'delivered' });
      else expect(m?.kind).toBe('note');
    });
    expect(trace.steps.some((s) => s.action.kind === 'deliver')).toBe(true);
    // The checkpoint that completes: created, stored and completed, in that order, completed at the last step.
    const completed = trace.steps[trace.steps.length - 1]?.state.coordinator.completed ?? [];
    const id = completed[completed.length - 1] as number;
    const marks = run.checkpoints.filter((c) => c.checkpointId === id);
    expect(marks.map((c) => c.kind)).toEqual(['pending', 'stored', 'completed']);
    expect(marks[2]?.step).toBe(trace.steps.length);
    expect(timelineSvg(run)).toContain(`<g class="checkpoint completed" data-checkpoint="${id}"`);
    expect(run.steps[trace.steps.length - 1]?.notes).toContain('reached: checkpoint-completes');
  });

  it('marks a lost and a duplicated message in the sequence diagram', () => {
    const trace = witness();
    // The same run, as if the network had lost the first delivery and duplicated the second.
    const deliveries = trace.steps.map((s, i) => [s.action, i] as const).filter(([a]) => a.kind === 'deliver');
    const [lost, dup] = [deliveries[0]?.[1] as number, deliveries[1]?.[1] as number];
    const steps = trace.steps.map((s, i) => {
      const a = s.action as Extract<ActionLabel, { kind: 'deliver' }>;
      if (i === lost) return { ...s, fault: true, action: { kind: 'drop', to: a.to, message: a.message } as ActionLabel };
      if (i === dup) return { ...s, fault: true, action: { ...a, duplicate: true } };
      return s;
    });
    const run = runOfTrace({ ...trace, steps });
    const svg = sequenceSvg(run);
    expect(row(svg, lost + 1)).toMatch(/<g class="seq-step fault" data-step="\d+">.*data-mark="dropped".*LOST/);
    expect(row(svg, dup + 1)).toMatch(/data-mark="duplicated".*duplicate: stays in the network/);
    expect(svg.match(/data-mark="dropped"/g)).toHaveLength(1);
    expect(svg.match(/data-mark="duplicated"/g)).toHaveLength(1);
    // Every other delivery (the duplicated one is still a delivery, the lost one no longer is).
    expect(svg.match(/data-mark="delivered"/g)?.length).toBe(steps.filter((s) => s.action.kind === 'deliver' || s.action.kind === 'data').length - 1);
  });
});
