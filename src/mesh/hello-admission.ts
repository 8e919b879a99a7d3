/**
 * A host's whole verdict on a hello: checkHello's (protocol, mesh, store, secret, an id not
 * connected), then whether the id is bound to another process that may run, then what the
 * hello's epoch says of our own term. The host role acts on the decision.
 */
import { MemSyncError, ProtocolError } from '../errors.js';
import type { MessageOf } from '../protocol/messages.js';
import { MESSAGING_WRITER } from '../messaging/link.js';
import { MAX_CLOCK_STEP_MS } from './admission.js';
import { checkHello, type HelloContext } from './hello-check.js';
import { type BindingContext, type BindingTable, bindingRefusal, idKey } from './identity.js';

export interface HelloAdmissionContext extends HelloContext, BindingContext {
  bindings: BindingTable;
  /** Our term. */
  epoch: number;
  /** The latest stamp a clock could give now (ReplicaCore.stampCeiling). */
  stampCeiling(): number;
}

export type HelloDecision =
  | { kind: 'admit'; protocol: number; proof: string | undefined; key: string | undefined }
  /** Told `code` and `message`, then dropped with `error`. */
  | { kind: 'refuse'; code: MemSyncError['code']; message: string; error: MemSyncError }
  /** It followed a host newer than us: step down. */
  | { kind: 'behind'; epoch: number };

export function admitHello(hello: MessageOf<'hello'>, host: HelloAdmissionContext): HelloDecision {
  // Messaging's entries are written under a reserved id: nobody may join as it.
  if (hello.peer === MESSAGING_WRITER) throw new ProtocolError('ERR_PROTOCOL', `peer id '${MESSAGING_WRITER}' is reserved`);
  let verdict = checkHello(hello, host);
  const key = hello.token === undefined ? undefined : idKey(hello.peer, hello.token);
  // Past every other check (a peer that has not proved the secret learns nothing of ids):
  // an id bound to another process that may be running is not taken, connected or not.
  if (verdict.ok || verdict.code === 'ERR_CONNECTION') {
    const refusal = bindingRefusal(hello.peer, key, host.bindings.get(hello.peer), host);
    if (refusal !== undefined) verdict = { ok: false, code: 'ERR_ID_TAKEN', message: refusal };
  }
  if (!verdict.ok) {
    const error = new MemSyncError(verdict.code, `peer '${hello.peer}' refused: ${verdict.message}`);
    return { kind: 'refuse', code: verdict.code, message: verdict.message, error };
  }
  if (hello.knownEpoch > host.stampCeiling() + MAX_CLOCK_STEP_MS * 1000) {
    // Epochs come from clocks: one this far past real time was made up, and stepping down
    // above it would hand every later term an epoch no host could exceed.
    const message = `epoch ${hello.knownEpoch} is past any clock`;
    return { kind: 'refuse', code: 'ERR_PROTOCOL', message, error: new ProtocolError('ERR_PROTOCOL', `peer '${hello.peer}' refused: ${message}`) };
  }
  // It followed a host newer than us (our clock is behind, say): we cannot lead it, and
  // refusing it forever would split the mesh in two. Step down; the next term is newer.
  if (hello.knownEpoch > host.epoch) return { kind: 'behind', epoch: hello.knownEpoch };
  return { kind: 'admit', protocol: verdict.protocol, proof: verdict.proof, key };
}
