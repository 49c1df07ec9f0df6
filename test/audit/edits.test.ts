/**
 * Deliberate protocol edits, each made on a copy of the committed protocol image, and the
 * classification the audit must give them (category, rule, severity, compatibility).
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../../audit/audit.js';
import { baseImage, editable, withRule } from './helpers.js';

describe('audit classifies deliberate edits', () => {
  it('finds nothing when nothing changed', () => {
    const result = audit(baseImage(), baseImage());
    expect(result.findings).toEqual([]);
    expect(result.breaking).toBe(false);
    expect(result.notCompared).toEqual([]);
  });

  it('removing a field of a message is a breaking WIRE change in both directions, reported once', () => {
    const head = editable(baseImage());
    const ack = head.schemas.AcknowledgeCheckpoint;
    ack.fields = ack.fields.filter((f: { name: string }) => f.name !== 'metrics');
    const result = audit(baseImage(), head);
    expect(result.findings).toEqual([
      {
        category: 'WIRE',
        rule: 'FIELD_REMOVED',
        severity: 'breaking',
        compatible: 'neither',
        subject: '/messages/acknowledgeCheckpoint/$.metrics',
        message: expect.stringContaining('required field $.metrics removed'),
      },
    ]);
    expect(result.breaking).toBe(true);
  });

  it('adding a required field is breaking; an optional one is risky and only backward-compatible', () => {
    const head = editable(baseImage());
    head.schemas.TriggerCheckpoint.fields.push({ name: 'epoch', optional: false, schema: { kind: 'number', format: 'count' } });
    head.schemas.NotifyCheckpointComplete.fields.push({ name: 'note', optional: true, schema: { kind: 'string', format: 'string' } });
    const result = audit(baseImage(), head);
    expect(withRule(result, 'REQUIRED_FIELD_ADDED')).toEqual([expect.objectContaining({ category: 'WIRE', severity: 'breaking', compatible: 'neither', subject: '/messages/triggerCheckpoint/$.epoch' })]);
    expect(withRule(result, 'OPTIONAL_FIELD_ADDED')).toEqual([expect.objectContaining({ category: 'WIRE', severity: 'risky', compatible: 'backward', subject: '/messages/notifyCheckpointComplete/$.note' })]);
  });

  it('a field of a shared nested type changes every message that carries it', () => {
    const head = editable(baseImage());
    const options = head.schemas.CheckpointOptions;
    options.fields = options.fields.filter((f: { name: string }) => f.name !== 'alignment');
    const subjects = withRule(audit(baseImage(), head), 'FIELD_REMOVED').map((f) => f.subject);
    expect(subjects).toEqual(['/messages/announcement/$.barrier.options.alignment', '/messages/barrier/$.options.alignment', '/messages/triggerCheckpoint/$.options.alignment']);
  });

  it('an enum value added is risky (old readers reject it); removed is breaking', () => {
    const head = editable(baseImage());
    const reason = head.schemas.DeclineCheckpoint.fields.find((f: { name: string }) => f.name === 'reason');
    reason.schema = { ...reason.schema, values: [...reason.schema.values.filter((v: string) => v !== 'CHECKPOINT_DECLINED'), 'ZZZ_NEW_REASON'] };
    const result = audit(baseImage(), head);
    expect(withRule(result, 'ENUM_VALUE_ADDED')).toEqual([expect.objectContaining({ severity: 'risky', compatible: 'backward', message: expect.stringContaining('ZZZ_NEW_REASON') })]);
    expect(withRule(result, 'ENUM_VALUE_REMOVED')).toEqual([expect.objectContaining({ severity: 'breaking', compatible: 'forward', message: expect.stringContaining('CHECKPOINT_DECLINED') })]);
  });

  it('dropping the transition that accepts an acknowledgement is a breaking PEER change (new coordinator, old tasks)', () => {
    const head = editable(baseImage());
    delete head.machines.coordinator.states['coordinator.active'].on.acknowledgeCheckpoint;
    const result = audit(baseImage(), head);
    const lost = withRule(result, 'ACCEPT_REMOVED');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ category: 'PEER', severity: 'breaking', compatible: 'forward' });
    expect(lost[0]?.message).toContain('coordinator no longer accepts acknowledgeCheckpoint on its own in coordinator.active.');
    expect(lost[0]?.message).toContain('inside another event, such as a batch');
    expect(withRule(result, 'TRANSITION_REMOVED')).toEqual([expect.objectContaining({ severity: 'risky', subject: '/machines/coordinator/states/coordinator.active/on/acknowledgeCheckpoint' })]);
    expect(result.breaking).toBe(true);
  });

  it('a message the new receiver accepts in no state is an unspecified reception', () => {
    const head = editable(baseImage());
    const coordinator = head.machines.coordinator;
    for (const state of Object.values(coordinator.states) as Array<{ on: Record<string, unknown>; accepts: string[] }>) {
      delete state.on.declineCheckpoint;
      state.accepts = state.accepts.filter((m) => m !== 'declineCheckpoint');
    }
    const result = audit(baseImage(), head);
    expect(withRule(result, 'UNSPECIFIED_RECEPTION')).toEqual([
      expect.objectContaining({ category: 'PEER', severity: 'breaking', compatible: 'forward', message: 'an old task emits declineCheckpoint, which the new coordinator accepts in no state (unspecified reception)' }),
    ]);
    // The per-state loss is the same problem, reported once.
    expect(withRule(result, 'ACCEPT_REMOVED')).toEqual([]);
  });

  it('shortening a timeout default is a risky PEER change, only forward-compatible; lengthening it is safe', () => {
    const shorter = editable(baseImage());
    shorter.config.options.timeout.default = 60_000;
    const result = audit(baseImage(), shorter);
    expect(result.findings).toEqual([
      {
        category: 'PEER',
        rule: 'DEFAULT_DECREASED',
        severity: 'risky',
        compatible: 'forward',
        subject: '/config/options/timeout/default',
        message: expect.stringContaining('default timeout shortened from 600000 to 60000'),
      },
    ]);
    expect(result.breaking).toBe(false);
    const longer = editable(baseImage());
    longer.config.options.timeout.default = 900_000;
    expect(audit(baseImage(), longer).findings).toEqual([expect.objectContaining({ rule: 'DEFAULT_INCREASED', severity: 'safe', compatible: 'both' })]);
  });

  it('a new message the coordinator emits and old tasks do not accept is an orphan (breaking PEER), its schema a safe WIRE addition', () => {
    const head = editable(baseImage());
    head.messages.auditProbe = { interface: 'AuditProbe', direction: 'coordinator-to-task', channel: 'control', delivery: 'at-most-once', idempotencyKey: [] };
    head.schemas.AuditProbe = { source: 'spec/messages.ts', doc: 'A probe.', fields: [{ name: 'type', optional: false, schema: { kind: 'literal', value: 'auditProbe' } }] };
    const coordinator = head.machines.coordinator;
    coordinator.emits = [...coordinator.emits, 'auditProbe'].sort();
    for (const state of Object.values(coordinator.states) as Array<{ emits: string[] }>) if (state.emits.length > 0) state.emits = [...state.emits, 'auditProbe'].sort();
    const result = audit(baseImage(), head);
    expect(withRule(result, 'ORPHAN_MESSAGE')).toEqual([
      { category: 'PEER', rule: 'ORPHAN_MESSAGE', severity: 'breaking', compatible: 'backward', subject: '/machines/coordinator/emits/auditProbe', message: 'new coordinator emits auditProbe, which an old task accepts in no state (orphan message)' },
    ]);
    expect(withRule(result, 'MESSAGE_ADDED')).toEqual([expect.objectContaining({ category: 'WIRE', severity: 'safe', compatible: 'both' })]);
    // When the new task accepts it too, the old task still does not: the orphan stays.
    head.machines.task.states['task.lifecycle'].accepts.push('auditProbe');
    expect(withRule(audit(baseImage(), head), 'ORPHAN_MESSAGE')).toHaveLength(1);
  });

  it('a message no longer emitted that old peers handle may leave them waiting (risky)', () => {
    const head = editable(baseImage());
    head.machines.task.emits = head.machines.task.emits.filter((m: string) => m !== 'acknowledgeCheckpoint');
    expect(withRule(audit(baseImage(), head), 'EMIT_REMOVED')).toEqual([expect.objectContaining({ category: 'PEER', severity: 'risky', subject: '/machines/task/emits/acknowledgeCheckpoint' })]);
  });

  it('a changed guard or target is risky and marked unknown (only a model check could tell)', () => {
    const head = editable(baseImage());
    const finalizing = head.machines.coordinator.states['coordinator.active.finalization.finalizing'];
    finalizing.on['finalize.succeeded'][0].guard = 'somethingElse';
    expect(audit(baseImage(), head).findings).toEqual([
      expect.objectContaining({ category: 'PEER', rule: 'TRANSITION_CHANGED', severity: 'risky', compatible: 'unknown', subject: '/machines/coordinator/states/coordinator.active.finalization.finalizing/on/finalize.succeeded' }),
    ]);
  });

  it('removing a timer the machine arms is risky', () => {
    const head = editable(baseImage());
    head.machines.coordinator.timers = head.machines.coordinator.timers.filter((t: string) => t !== 'timeout');
    expect(withRule(audit(baseImage(), head), 'TIMER_REMOVED')).toEqual([expect.objectContaining({ category: 'PEER', severity: 'risky' })]);
  });

  it('RECOVERY: a completed-checkpoint field removed breaks the old version reading new data; one added breaks the new version reading old data', () => {
    const head = editable(baseImage());
    const completed = head.persisted.types.CompletedCheckpoint;
    completed.fields = completed.fields.filter((f: { name: string }) => f.name !== 'completedAt');
    completed.fields.push({ name: 'generation', optional: false, schema: { kind: 'number' } });
    completed.fields.push({ name: 'labels', optional: true, schema: { kind: 'array', element: { kind: 'string' } } });
    const result = audit(baseImage(), head);
    expect(result.findings.filter((f) => f.category === 'RECOVERY')).toEqual([
      expect.objectContaining({ rule: 'FIELD_REMOVED', severity: 'breaking', compatible: 'backward', subject: '/persisted/completedCheckpoint/$.completedAt' }),
      expect.objectContaining({ rule: 'REQUIRED_FIELD_ADDED', severity: 'breaking', compatible: 'forward', subject: '/persisted/completedCheckpoint/$.generation' }),
      expect.objectContaining({ rule: 'OPTIONAL_FIELD_ADDED', severity: 'safe', compatible: 'both', subject: '/persisted/completedCheckpoint/$.labels' }),
    ]);
  });

  it('RECOVERY: a state that disappears cannot be restored from an old persisted snapshot', () => {
    const head = editable(baseImage());
    const states = head.machines.task.states;
    delete states['task.lifecycle.finishing.stoppingWithSavepoint'];
    states['task.lifecycle.finishing'].children = states['task.lifecycle.finishing'].children.filter((c: string) => c !== 'task.lifecycle.finishing.stoppingWithSavepoint');
    expect(withRule(audit(baseImage(), head), 'STATE_REMOVED')).toEqual([expect.objectContaining({ category: 'RECOVERY', severity: 'breaking', compatible: 'forward' })]);
  });

  it('PROPERTY: removing an invariant or weakening it to `sometimes` is breaking; a new description is risky', () => {
    const head = editable(baseImage());
    delete head.properties['notify-after-store'];
    head.properties['one-outcome'].kind = 'sometimes';
    head.properties['subsumption'].description = 'completing N aborts some pending checkpoints below N';
    const result = audit(baseImage(), head);
    expect(result.findings.map((f) => [f.rule, f.severity, f.subject])).toEqual([
      ['PROPERTY_REMOVED', 'breaking', '/properties/notify-after-store'],
      ['PROPERTY_WEAKENED', 'breaking', '/properties/one-outcome'],
      ['PROPERTY_CHANGED', 'risky', '/properties/subsumption'],
    ]);
  });

  it('SOURCE: a removed export is breaking, a changed signature risky with the changed part shown, a new export safe', () => {
    const head = editable(baseImage());
    delete head.api.createTask;
    head.api.createCoordinator.signature = head.api.createCoordinator.signature.replace('Promise<Coordinator>', 'Coordinator');
    head.api.brandNew = { kind: 'function', signature: 'function brandNew(): void', source: 'spec/new.ts', entries: ['.'] };
    const result = audit(baseImage(), head);
    expect(result.findings.map((f) => [f.rule, f.severity, f.compatible])).toEqual([
      ['SYMBOL_REMOVED', 'breaking', 'forward'],
      ['SIGNATURE_CHANGED', 'risky', 'unknown'],
      ['SYMBOL_ADDED', 'safe', 'backward'],
    ]);
    expect(withRule(result, 'SIGNATURE_CHANGED')[0]?.message).toContain('[Promise<Coordinator> → Coordinator]');
  });

  it('an old image without the optional parts is compared where it can be, and says what it skipped', () => {
    const old = editable(baseImage());
    delete old.api;
    delete old.config;
    const result = audit(old, baseImage());
    expect(result.findings).toEqual([]);
    expect(result.notCompared).toEqual(['configuration defaults (PEER): the base has no "config"', 'public API (SOURCE): the base has no "api"']);
  });
});
