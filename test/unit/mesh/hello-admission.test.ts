import { describe, expect, it } from 'vitest';
import { MemSyncError, ProtocolError } from '../../../src/errors.js';
import { MESSAGING_WRITER } from '../../../src/messaging/link.js';
import { MAX_CLOCK_STEP_MS } from '../../../src/mesh/admission.js';
import { admitHello, type HelloAdmissionContext } from '../../../src/mesh/hello-admission.js';
import { BindingTable, idKey } from '../../../src/mesh/identity.js';
import { type MessageOf, PROTOCOL_VERSIONS } from '../../../src/protocol/messages.js';

const NOW = 1_800_000_000_000_000;

function hello(over: Partial<MessageOf<'hello'>> = {}): MessageOf<'hello'> {
  return { type: 'hello', protocols: [...PROTOCOL_VERSIONS], mesh: 'm', peer: 'p', clientOnly: false, version: 0, entryEpoch: 0, knownEpoch: 0, ...over };
}

function host(over: Partial<HelloAdmissionContext> = {}): HelloAdmissionContext {
  return {
    mesh: 'm',
    hostPeer: 'h',
    secret: undefined,
    nonce: undefined,
    storage: undefined,
    isConnected: () => false,
    bindings: new BindingTable(),
    isAlive: () => true,
    held: () => false,
    epoch: NOW,
    stampCeiling: () => NOW,
    ...over,
  };
}

describe('admitHello: a host decides on a hello', () => {
  it('admits a good hello with the protocol, no proof, and the key its token binds', () => {
    expect(admitHello(hello(), host())).toEqual({ kind: 'admit', protocol: PROTOCOL_VERSIONS[0], proof: undefined, key: undefined });
    const token = 't'.repeat(16);
    expect(admitHello(hello({ token }), host())).toMatchObject({ kind: 'admit', key: idKey('p', token) });
  });

  it("throws on messaging's reserved writer id", () => {
    expect(() => admitHello(hello({ peer: MESSAGING_WRITER }), host())).toThrow(ProtocolError);
  });

  it("refuses what checkHello refuses, with its code, and names the peer in the drop's error", () => {
    const decision = admitHello(hello({ mesh: 'other' }), host());
    expect(decision).toMatchObject({ kind: 'refuse', code: 'ERR_INCOMPATIBLE_PEER' });
    if (decision.kind !== 'refuse') throw new Error('not refused');
    expect(decision.error).toBeInstanceOf(MemSyncError);
    expect(decision.error.message).toMatch(/^peer 'p' refused: this socket serves mesh 'm'/);
  });

  it('refuses an id bound to another process that may run, even where checkHello said it is connected', () => {
    const bindings = new BindingTable();
    bindings.set('p', { key: idKey('p', 'a'.repeat(16)), pid: 4242 });
    const context = host({ bindings, held: () => true, isConnected: () => true });
    expect(admitHello(hello({ token: 'b'.repeat(16) }), context)).toMatchObject({ kind: 'refuse', code: 'ERR_ID_TAKEN' });
    // Its holder is known dead: a restart under the same id is let in (once not connected).
    const dead = host({ bindings, held: () => true, isAlive: () => false });
    expect(admitHello(hello({ token: 'b'.repeat(16) }), dead)).toMatchObject({ kind: 'admit' });
  });

  it('refuses an epoch past any clock as a protocol error, and steps down for a merely newer one', () => {
    const far = admitHello(hello({ knownEpoch: NOW + MAX_CLOCK_STEP_MS * 1000 + 1 }), host());
    expect(far).toMatchObject({ kind: 'refuse', code: 'ERR_PROTOCOL' });
    if (far.kind === 'refuse') expect(far.error).toBeInstanceOf(ProtocolError);
    expect(admitHello(hello({ knownEpoch: NOW + 1 }), host())).toEqual({ kind: 'behind', epoch: NOW + 1 });
    expect(admitHello(hello({ knownEpoch: NOW }), host())).toMatchObject({ kind: 'admit' });
  });

  it('refuses a bad hello before it judges its epoch: an unproven peer moves no term', () => {
    expect(admitHello(hello({ mesh: 'other', knownEpoch: NOW + 1 }), host())).toMatchObject({ kind: 'refuse' });
  });
});
