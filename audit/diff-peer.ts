/**
 * PEER: whether mixed versions (a new coordinator with old tasks, or the other way round) still
 * understand each other, read statically from the two images:
 * - an *orphan*: the new side emits a message the old receiver accepts in no state;
 * - an *unspecified reception*: the old side emits a message the new receiver accepts in no state;
 * - a state that no longer accepts a message it accepted directly (as the event itself);
 * - a message no longer emitted that an old peer may wait for (a potential deadlock or timeout);
 * - transitions removed or changed (targets, guards), initial states, timers, and the defaults
 *   of the configuration (a shorter timeout may fire before an old peer answers).
 * Guards and actions are opaque, so what only the model checker could decide is `risky`, `unknown`.
 * @packageDocumentation
 */
import type { MachineImage, StateImage } from '../codegen/read-machines.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import type { ProtocolImage } from './image.js';

/**
 * The role that receives message `type` (from its direction `<sender>-to-<receiver>`), or null.
 * @param image - a protocol image.
 * @param type - the message.
 */
export function receiverOf(image: ProtocolImage, type: string): string | null {
  const d = image.messages[type]?.direction;
  return d ? (d.split('-to-')[1] ?? null) : null;
}

/**
 * Every message some state of the machine accepts (through any event that carries it).
 * @param machine - a machine image.
 */
export function acceptedAnywhere(machine: MachineImage): Set<string> {
  return new Set(Object.values(machine.states).flatMap((s) => s.accepts));
}

/**
 * The messages each leaf state accepts *directly*: an event that is the message (or stands for it
 * by name) has a transition in the state or an ancestor. A message that only arrives inside a
 * batch event is not accepted directly.
 * @param machine - a machine image.
 * @param role - the machine's role (only messages it receives count).
 * @param image - the image it belongs to.
 */
export function directReceptions(machine: MachineImage, role: string, image: ProtocolImage): Map<string, Set<string>> {
  const parent = new Map<string, string>();
  for (const [id, s] of Object.entries(machine.states)) for (const c of s.children) parent.set(c, id);
  const direct = (event: string): string[] =>
    (machine.events[event]?.carries ?? []).filter((c) => (c.via === '$' || c.via === 'name') && receiverOf(image, c.message) === role).map((c) => c.message);
  const out = new Map<string, Set<string>>();
  for (const [id, s] of Object.entries(machine.states)) {
    if (s.children.length > 0) continue;
    const got = new Set<string>();
    for (let at: string | undefined = id; at !== undefined; at = parent.get(at)) {
      const on = (machine.states[at] as StateImage).on;
      for (const event of Object.keys(on)) for (const m of event === '*' ? Object.keys(machine.events).flatMap(direct) : direct(event)) got.add(m);
    }
    out.set(id, got);
  }
  return out;
}

const list = (xs: readonly string[], max = 6) => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

function receptionFindings(before: ProtocolImage, after: ProtocolImage, out: Finding[]): void {
  const reported = new Set<string>();
  // Orphans: the new side sends what the old receiver accepts nowhere.
  for (const [role, m] of Object.entries(after.machines)) {
    for (const type of m.emits) {
      const receiver = receiverOf(after, type);
      const old = receiver ? before.machines[receiver] : undefined;
      if (!receiver || !old || acceptedAnywhere(old).has(type)) continue;
      if (before.machines[role]?.emits.includes(type)) continue; // not new: the old versions had the same gap
      out.push(finding('PEER', 'ORPHAN_MESSAGE', 'breaking', 'backward', `/machines/${role}/emits/${type}`, `new ${role} emits ${type}, which an old ${receiver} accepts in no state (orphan message)`));
    }
  }
  // Unspecified receptions: the old side sends what the new receiver accepts nowhere.
  for (const [role, m] of Object.entries(before.machines)) {
    for (const type of m.emits) {
      const receiver = receiverOf(before, type);
      const fresh = receiver ? after.machines[receiver] : undefined;
      const old = receiver ? before.machines[receiver] : undefined;
      if (!receiver || !fresh || acceptedAnywhere(fresh).has(type) || !old || !acceptedAnywhere(old).has(type)) continue;
      reported.add(`${receiver}\0${type}`);
      out.push(finding('PEER', 'UNSPECIFIED_RECEPTION', 'breaking', 'forward', `/machines/${receiver}/accepts/${type}`, `an old ${role} emits ${type}, which the new ${receiver} accepts in no state (unspecified reception)`));
    }
  }
  // Per state: direct receptions lost or gained.
  for (const [role, a] of Object.entries(before.machines)) {
    const b = after.machines[role];
    if (!b) continue;
    const was = directReceptions(a, role, before);
    const now = directReceptions(b, role, after);
    const lost = new Map<string, string[]>();
    const gained = new Map<string, string[]>();
    for (const [state, msgs] of was) {
      const next = now.get(state);
      if (!next) continue;
      for (const t of msgs) if (!next.has(t)) lost.set(t, [...(lost.get(t) ?? []), state]);
      for (const t of next) if (!msgs.has(t)) gained.set(t, [...(gained.get(t) ?? []), state]);
    }
    for (const [type, states] of lost) {
      if (reported.has(`${role}\0${type}`)) continue;
      const still = [...now].filter(([, s]) => s.has(type)).map(([id]) => id);
      const carried = acceptedAnywhere(b).has(type) ? ' (it may still arrive inside another event, such as a batch)' : '';
      out.push(
        finding('PEER', 'ACCEPT_REMOVED', 'breaking', 'forward', `/machines/${role}/states/${states[0]}/accepts/${type}`, `${role} no longer accepts ${type} on its own in ${list(states)}${still.length > 0 ? `; still in ${list(still, 3)}` : ''}${carried}: a peer's ${type} arriving there goes unhandled`),
      );
    }
    for (const [type, states] of gained) out.push(finding('PEER', 'ACCEPT_ADDED', 'safe', 'both', `/machines/${role}/states/${states[0]}/accepts/${type}`, `${role} now accepts ${type} in ${list(states)}`));
    // Messages no longer emitted that an old peer handles: it may wait for them.
    for (const type of a.emits) {
      if (b.emits.includes(type)) continue;
      const receiver = receiverOf(before, type);
      out.push(finding('PEER', 'EMIT_REMOVED', 'risky', 'unknown', `/machines/${role}/emits/${type}`, `${role} no longer emits ${type}; an old ${receiver ?? 'peer'} waiting for it may wait until a timeout (potential deadlock)`));
    }
  }
}

function transitionKey(t: StateImage['always'][number]): string {
  return JSON.stringify({ guard: t.guard, target: t.target, reenter: t.reenter });
}

function structureFindings(before: ProtocolImage, after: ProtocolImage, out: Finding[]): void {
  for (const [role, a] of Object.entries(before.machines)) {
    const b = after.machines[role];
    if (!b) {
      out.push(finding('PEER', 'MACHINE_REMOVED', 'breaking', 'neither', `/machines/${role}`, `the ${role} machine is gone`));
      continue;
    }
    if (a.initial !== b.initial) out.push(finding('PEER', 'INITIAL_STATE_CHANGED', 'risky', 'unknown', `/machines/${role}/initial`, `${role} now starts in ${b.initial} instead of ${a.initial}`));
    for (const [id, s] of Object.entries(a.states)) {
      const t = b.states[id];
      if (!t) continue;
      const at = `/machines/${role}/states/${id}`;
      if (s.type !== t.type) out.push(finding('PEER', 'STATE_TYPE_CHANGED', 'risky', 'unknown', at, `${id} is now ${t.type} instead of ${s.type}`));
      if (s.initial !== t.initial) out.push(finding('PEER', 'INITIAL_STATE_CHANGED', 'risky', 'unknown', at, `${id} now starts in ${t.initial} instead of ${s.initial}`));
      for (const [event, ts] of Object.entries(s.on)) {
        const us = t.on[event];
        if (!us) out.push(finding('PEER', 'TRANSITION_REMOVED', 'risky', 'unknown', `${at}/on/${event}`, `${id} no longer has a transition on ${event}`));
        else if (ts.map(transitionKey).join() !== us.map(transitionKey).join()) {
          out.push(finding('PEER', 'TRANSITION_CHANGED', 'risky', 'unknown', `${at}/on/${event}`, `the transitions of ${id} on ${event} changed targets or guards (only a model check of the mixed versions can tell the effect)`));
        }
      }
      for (const event of Object.keys(t.on)) if (!s.on[event]) out.push(finding('PEER', 'TRANSITION_ADDED', 'safe', 'both', `${at}/on/${event}`, `${id} now has a transition on ${event}`));
      if (s.always.map(transitionKey).join() !== t.always.map(transitionKey).join()) out.push(finding('PEER', 'TRANSITION_CHANGED', 'risky', 'unknown', `${at}/always`, `the eventless transitions of ${id} changed`));
    }
    if (a.timers && b.timers) {
      for (const timer of a.timers) if (!b.timers.includes(timer)) out.push(finding('PEER', 'TIMER_REMOVED', 'risky', 'unknown', `/machines/${role}/timers/${timer}`, `${role} no longer arms timer ${timer}: what it bounded may now wait forever`));
      for (const timer of b.timers) if (!a.timers.includes(timer)) out.push(finding('PEER', 'TIMER_ADDED', 'risky', 'unknown', `/machines/${role}/timers/${timer}`, `${role} arms a new timer ${timer}: it may give up on old peers that were never bounded by it`));
    }
  }
}

function defaultFindings(before: ProtocolImage, after: ProtocolImage, out: Finding[]): void {
  if (!before.config || !after.config) return;
  for (const [name, a] of Object.entries(before.config.options)) {
    const b = after.config.options[name];
    if (!b || JSON.stringify(a.default) === JSON.stringify(b.default)) continue;
    const at = `/config/options/${name}/default`;
    const shown = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));
    if (typeof a.default === 'number' && typeof b.default === 'number') {
      if (b.default < a.default) {
        out.push(finding('PEER', 'DEFAULT_DECREASED', 'risky', 'forward', at, `default ${name} shortened from ${a.default} to ${b.default}: a new side may give up before an old peer's worst-case answer`));
      } else out.push(finding('PEER', 'DEFAULT_INCREASED', 'safe', 'both', at, `default ${name} raised from ${a.default} to ${b.default}`));
    } else out.push(finding('PEER', 'DEFAULT_CHANGED', 'risky', 'unknown', at, `default ${name} changed from ${shown(a.default)} to ${shown(b.default)}`));
  }
}

/**
 * The PEER findings between two images.
 * @param before - the base.
 * @param after - the head.
 */
export function diffPeer(before: ProtocolImage, after: ProtocolImage): Finding[] {
  const out: Finding[] = [];
  receptionFindings(before, after, out);
  structureFindings(before, after, out);
  defaultFindings(before, after, out);
  return out;
}
