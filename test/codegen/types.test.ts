/**
 * Type test: the generated message types (`generated/messages.gen.ts`) and the `spec/` types are
 * assignable both ways, message by message and union by union. Checked by `tsc` (this file is
 * in the project); the runtime part only checks the list below covers every message.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as G from '../../generated/messages.gen.js';
import type * as S from '../../spec/index.js';

/** Both directions of assignability, as a type: `true` only when each is assignable to the other. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Each message by `type`, from the generated and from the spec unions. */
type GeneratedByType = { [K in G.MessageType]: Extract<G.ControlMessage | G.StreamEvent, { type: K }> };
type SpecByType = { [K in S.ControlMessage['type'] | S.StreamEvent['type']]: Extract<S.ControlMessage | S.StreamEvent, { type: K }> };

// Assigning values both ways, as protobuf-es does between its generated targets: tsc proves it.
const toSpec = (m: G.ControlMessage): S.ControlMessage => m;
const toGenerated = (m: S.ControlMessage): G.ControlMessage => m;
const eventToSpec = (e: G.StreamEvent): S.StreamEvent => e;
const eventToGenerated = (e: S.StreamEvent): G.StreamEvent => e;

describe('generated message types and spec types', () => {
  it('are assignable both ways, every message (by type) and every union', () => {
    expectTypeOf<Mutual<GeneratedByType, SpecByType>>().toEqualTypeOf<true>();
    expectTypeOf<GeneratedByType>().toEqualTypeOf<SpecByType>();
    expectTypeOf<G.TriggerCheckpoint>().toEqualTypeOf<S.TriggerCheckpoint>();
    expectTypeOf<G.NotifyCheckpointComplete>().toEqualTypeOf<S.NotifyCheckpointComplete>();
    expectTypeOf<G.NotifyCheckpointAborted>().toEqualTypeOf<S.NotifyCheckpointAborted>();
    expectTypeOf<G.AcknowledgeCheckpoint>().toEqualTypeOf<S.AcknowledgeCheckpoint>();
    expectTypeOf<G.DeclineCheckpoint>().toEqualTypeOf<S.DeclineCheckpoint>();
    expectTypeOf<G.ReportCheckpointMetrics>().toEqualTypeOf<S.ReportCheckpointMetrics>();
    expectTypeOf<G.TaskStateChanged>().toEqualTypeOf<S.TaskStateChanged>();
    expectTypeOf<G.Heartbeat>().toEqualTypeOf<S.Heartbeat>();
    expectTypeOf<G.CheckpointBarrier>().toEqualTypeOf<S.CheckpointBarrier>();
    expectTypeOf<G.CancelCheckpointMarker>().toEqualTypeOf<S.CancelCheckpointMarker>();
    expectTypeOf<G.EndOfPartition>().toEqualTypeOf<S.EndOfPartition>();
    expectTypeOf<G.EventAnnouncement>().toEqualTypeOf<S.EventAnnouncement>();
    expectTypeOf<Mutual<G.ControlMessage, S.ControlMessage>>().toEqualTypeOf<true>();
    expectTypeOf<Mutual<G.CoordinatorToTaskMessage, S.CoordinatorToTaskMessage>>().toEqualTypeOf<true>();
    expectTypeOf<Mutual<G.TaskToCoordinatorMessage, S.TaskToCoordinatorMessage>>().toEqualTypeOf<true>();
    expectTypeOf<Mutual<G.StreamEvent, S.StreamEvent>>().toEqualTypeOf<true>();
    expectTypeOf<G.MessageType>().toEqualTypeOf<S.ControlMessage['type'] | S.StreamEvent['type']>();
    expect([toSpec, toGenerated, eventToSpec, eventToGenerated]).toHaveLength(4);
  });

  it('keep the nested types and the aliases fields are written with', () => {
    expectTypeOf<G.CheckpointOptions>().toEqualTypeOf<S.CheckpointOptions>();
    expectTypeOf<G.CheckpointMetrics>().toEqualTypeOf<S.CheckpointMetrics>();
    expectTypeOf<G.StateHandle>().toEqualTypeOf<S.StateHandle>();
    expectTypeOf<G.SnapshotKind>().toEqualTypeOf<S.SnapshotKind>();
    expectTypeOf<G.AlignmentKind>().toEqualTypeOf<S.AlignmentKind>();
    expectTypeOf<G.SyncSavepointMode>().toEqualTypeOf<S.SyncSavepointMode>();
    expectTypeOf<G.DeclineReason>().toEqualTypeOf<S.DeclineReason>();
    expectTypeOf<G.TaskExecutionState>().toEqualTypeOf<S.TaskExecutionState>();
    expectTypeOf<G.CheckpointId>().toEqualTypeOf<S.CheckpointId>();
  });

  it('are not vacuous: a message missing a field is not assignable', () => {
    const partial = { type: 'cancelMarker' } as const;
    // @ts-expect-error checkpointId is missing
    const marker: G.CancelCheckpointMarker = partial;
    expect(marker.type).toBe('cancelMarker');
    expectTypeOf<Mutual<G.TriggerCheckpoint, S.NotifyCheckpointComplete>>().toEqualTypeOf<false>();
  });

  it('cover every message the descriptors list', () => {
    const covered: Record<keyof SpecByType, true> = {
      triggerCheckpoint: true,
      notifyCheckpointComplete: true,
      notifyCheckpointAborted: true,
      acknowledgeCheckpoint: true,
      declineCheckpoint: true,
      reportCheckpointMetrics: true,
      taskStateChanged: true,
      heartbeat: true,
      barrier: true,
      cancelMarker: true,
      endOfPartition: true,
      announcement: true,
    };
    expect(Object.keys(G.MESSAGE_DESCRIPTORS).sort()).toEqual(Object.keys(covered).sort());
  });
});
