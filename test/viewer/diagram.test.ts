/**
 * `snapwright diagram`: SVG and Mermaid diagrams of the machines that ship. Each state and each
 * transition with a target, read here through XState's own state nodes, must be in both; the
 * invalid-input rejections (guard `invalid`) must be in neither. (The SVG is parsed by a real
 * browser in viewer.serial.test.ts.)
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError } from '../../cli/args.js';
import { diagramCommand } from '../../cli/commands/diagram.js';
import { coordinatorMachine } from '../../machines/coordinator/index.js';
import { taskMachine } from '../../machines/task/index.js';
import { allStatePaths } from './support.js';

interface Transition {
  readonly source: string;
  readonly target: string;
  readonly event: string;
}

/** Every transition with a target, one per target, rejections left out. */
function transitionsOf(machine: AnyStateMachine): Transition[] {
  const out: Transition[] = [];
  const visit = (node: AnyStateNode) => {
    const defs = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const d of defs) {
      const guard = d.guard as unknown;
      if (guard === 'invalid' || (guard as { type?: string } | undefined)?.type === 'invalid') continue;
      for (const t of d.target ?? []) out.push({ source: node.path.join('.'), target: t.path.join('.'), event: d.eventType || 'always' });
    }
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return out;
}

const id = (path: string) => path.replace(/\./g, '_');

/** A fresh output directory (and a quiet console). */
function outputDir(): string {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  return mkdtempSync(join(tmpdir(), 'snapwright-diagram-'));
}

describe('snapwright diagram', () => {
  afterEach(() => vi.restoreAllMocks());

  for (const machine of [coordinatorMachine, taskMachine]) {
    it(`writes ${machine.id}: Mermaid stateDiagram-v2 and SVG with every state and transition`, async () => {
      const dir = outputDir();
      expect(await diagramCommand(parseArgs(['--out', dir]))).toBe(0);
      const mermaid = readFileSync(join(dir, `${machine.id}.mmd`), 'utf8');
      const lines = mermaid.split('\n');
      expect(lines[0]).toBe('stateDiagram-v2');
      const states = allStatePaths(machine);
      expect(states.length).toBeGreaterThan(10);
      for (const path of states) expect(lines).toContain(`${' '.repeat(2 * path.split('.').length)}state "${path.split('.').pop()}" as ${id(path)}`);
      const transitions = transitionsOf(machine);
      const arrows = lines.filter((l) => l.includes(' --> ') && !l.includes('[*]'));
      for (const t of transitions) expect(arrows.some((l) => l.startsWith(`  ${id(t.source)} --> ${id(t.target)} : ${t.event}`))).toBe(true);
      // Nothing else: every arrow is one of the machine's transitions, and no rejection is drawn.
      for (const l of arrows) expect(transitions.some((t) => l.startsWith(`  ${id(t.source)} --> ${id(t.target)} : ${t.event}`))).toBe(true);
      expect(mermaid).not.toContain('[invalid]');
      // Every compound state's initial child.
      const initials = lines.filter((l) => l.includes('[*] -->')).map((l) => l.trim().slice('[*] --> '.length)).sort();
      const compound: string[] = [];
      const visit = (node: AnyStateNode) => {
        if (node.type === 'compound' && node.initial) compound.push(id(node.initial.target[0]!.path.join('.')));
        Object.values(node.states).forEach(visit);
      };
      visit(machine.root);
      expect(initials).toEqual(compound.sort());

      const svg = readFileSync(join(dir, `${machine.id}.svg`), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      const drawnStates = [...svg.matchAll(/<g class="state[^"]*" data-path="([^"]*)"/g)].map((m) => m[1]);
      expect(drawnStates.sort()).toEqual([...states].sort());
      const drawnEdges = new Set([...svg.matchAll(/<g class="transition" data-source="([^"]*)" data-target="([^"]*)"/g)].map((m) => `${m[1]} -> ${m[2]}`));
      expect(drawnEdges).toEqual(new Set(transitions.map((t) => `${t.source} -> ${t.target}`)));
      expect(svg).not.toContain('[invalid]');
    });
  }

  it('writes one format when asked, and rejects an unknown one', async () => {
    const dir = outputDir();
    expect(await diagramCommand(parseArgs(['--out', dir, '--format', 'mermaid']))).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['coordinator.mmd', 'task.mmd']);
    const other = outputDir();
    await expect(diagramCommand(parseArgs(['--out', other, '--format', 'png']))).rejects.toThrow(UsageError);
    await expect(diagramCommand(parseArgs(['--out', other, '--colour']))).rejects.toThrow(/unknown option --colour/);
    expect(existsSync(join(other, 'coordinator.svg'))).toBe(false);
  });
});
