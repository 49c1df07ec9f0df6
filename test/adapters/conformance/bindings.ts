/**
 * The generated bindings and address templates of every transport kind, so the suite drives any
 * transport through the code generated for it.
 * @packageDocumentation
 */
import type { TransportKind, Transport } from '../../../adapters/runtime/contract.js';
import type { AddressTemplates, CoordinatorControlBinding, TaskControlBinding, TaskDataBinding } from '../../../generated/bindings/endpoints.gen.js';
import { AMQP_ADDRESSES, createAmqpCoordinatorControlBinding, createAmqpTaskControlBinding, createAmqpTaskDataBinding } from '../../../generated/bindings/amqp.gen.js';
import { createHttpCoordinatorControlBinding, createHttpTaskControlBinding, createHttpTaskDataBinding, HTTP_ADDRESSES } from '../../../generated/bindings/http.gen.js';
import { createInProcessCoordinatorControlBinding, createInProcessTaskControlBinding, createInProcessTaskDataBinding, IN_PROCESS_ADDRESSES } from '../../../generated/bindings/in-process.gen.js';
import { createNatsCoordinatorControlBinding, createNatsTaskControlBinding, createNatsTaskDataBinding, NATS_ADDRESSES } from '../../../generated/bindings/nats.gen.js';

/** The generated factories of one transport kind. */
export interface GeneratedBindings {
  /** The address templates. */
  readonly addresses: AddressTemplates;
  /** The coordinator's control binding. */
  readonly coordinator: (transport: Transport, config: { readonly jobId: string }) => CoordinatorControlBinding;
  /** A task's control binding. */
  readonly task: (transport: Transport, config: { readonly jobId: string; readonly taskId: string }) => TaskControlBinding;
  /** A task's data binding (needs an ordered-exactly-once transport). */
  readonly data: (transport: Transport, config: { readonly jobId: string; readonly taskId: string }) => TaskDataBinding;
}

/** The generated bindings of every transport kind. */
export const BINDINGS: { readonly [K in TransportKind]: GeneratedBindings } = {
  'in-process': { addresses: IN_PROCESS_ADDRESSES, coordinator: createInProcessCoordinatorControlBinding, task: createInProcessTaskControlBinding, data: createInProcessTaskDataBinding },
  http: { addresses: HTTP_ADDRESSES, coordinator: createHttpCoordinatorControlBinding, task: createHttpTaskControlBinding, data: createHttpTaskDataBinding },
  amqp: { addresses: AMQP_ADDRESSES, coordinator: createAmqpCoordinatorControlBinding, task: createAmqpTaskControlBinding, data: createAmqpTaskDataBinding },
  nats: { addresses: NATS_ADDRESSES, coordinator: createNatsCoordinatorControlBinding, task: createNatsTaskControlBinding, data: createNatsTaskDataBinding },
};
