/**
 * Messaging (locks, events, RPC) is one machine's: a machine's local host relays events and
 * routes calls to its own members only, and orders lock operations under one writer id
 * (`#messaging`) and frees the locks of members not connected to it. Across machines that
 * would mean events and calls that silently reach a fraction of the mesh, lock operations of
 * two machines numbered alike (the function refuses the second as a duplicate), and each
 * machine's host freeing the other machines' locks. So with a backplane they are refused,
 * loudly, rather than half working; cross-machine coordination goes through the document
 * (a patch with `if` is judged alike on every machine).
 */
import { MemSyncError } from '../errors.js';
import type { EventMap, MemSyncEventBus } from '../messaging/events.js';

/** The error for `what` (locks, events, RPC calls or handlers) on a mesh with a backplane. */
export function oneMachineOnly(what: string, kind: string): MemSyncError {
  return new MemSyncError(
    'ERR_BACKPLANE',
    `${what} work within one machine only, and this mesh has a ${kind} backplane (many machines): refused rather than reaching only this machine's processes. Coordinate across machines through the document (patch with if).`,
  );
}

/** `mem.events` on a mesh with a backplane: every method throws {@link oneMachineOnly}. */
export function refusingEventBus<E extends EventMap>(kind: string): MemSyncEventBus<E> {
  const refuse = (): never => {
    throw oneMachineOnly('events', kind);
  };
  return { emit: refuse, on: refuse, off: refuse };
}
