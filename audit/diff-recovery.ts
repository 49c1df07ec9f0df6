/**
 * RECOVERY: whether a new version restores what an old one persisted, and the old one what the
 * new one persisted (after a rollback). The persisted shapes (completed checkpoint, sink snapshot
 * state) are classified by the shared data rules with lenient readers; a state id that is gone
 * cannot be restored from a persisted machine snapshot.
 * @packageDocumentation
 */
import type { PersistedImage } from '../codegen/read-shapes.js';
import { compareShapes } from './classify.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import type { FlatShape } from './flatten.js';
import { flattenFields } from './flatten.js';
import type { ProtocolImage } from './image.js';

function rootShape(persisted: PersistedImage, root: string): FlatShape {
  const type = persisted.roots[root] as string;
  return flattenFields(persisted.types[type]?.fields ?? [], (name) => persisted.types[name]?.fields);
}

/**
 * The RECOVERY findings between two images.
 * @param before - the base.
 * @param after - the head.
 */
export function diffRecovery(before: ProtocolImage, after: ProtocolImage): Finding[] {
  const out: Finding[] = [];
  if (before.persisted && after.persisted) {
    for (const root of Object.keys(before.persisted.roots)) {
      if (!(root in after.persisted.roots)) {
        out.push(finding('RECOVERY', 'PERSISTED_ROOT_REMOVED', 'breaking', 'neither', `/persisted/roots/${root}`, `persisted ${root} is no longer described: the image cannot show that old data is still readable`));
        continue;
      }
      for (const c of compareShapes(rootShape(before.persisted, root), rootShape(after.persisted, root), { strict: false })) {
        out.push(finding('RECOVERY', c.rule, c.severity, c.compatible, `/persisted/${root}/${c.path}`, `persisted ${root}: ${c.message}`));
      }
    }
  }
  for (const [role, a] of Object.entries(before.machines)) {
    const b = after.machines[role];
    if (!b) continue;
    const removed = Object.keys(a.states).filter((id) => !(id in b.states));
    const added = Object.keys(b.states).filter((id) => !(id in a.states));
    for (const id of removed) out.push(finding('RECOVERY', 'STATE_REMOVED', 'breaking', 'forward', `/machines/${role}/states/${id}`, `state ${id} is gone: a persisted ${role} snapshot in it cannot be restored by the new version`));
    for (const id of added) out.push(finding('RECOVERY', 'STATE_ADDED', 'safe', 'backward', `/machines/${role}/states/${id}`, `state ${id} added: an old version cannot restore a snapshot taken in it`));
  }
  return out;
}
