import { describe, expect, it } from 'vitest';
import { describeUncounted, type Holding, holderWithout, MemberState } from './chaos-cover.js';

/** The chaos run's kill rule (chaos-cover.ts): who counts as still holding an acknowledged write. */
type P = Holding & { id: string };

const NOW = 1_000_000;
const proc = (id: string, fields: Partial<P>): P => ({
  id,
  alive: true,
  ackedVersion: 0,
  version: 0,
  member: true,
  role: 'client',
  frozenUntil: 0,
  ...fields,
});

describe('chaos kill rule', () => {
  it('does not count the host: a writer whose newest writes only it and the host hold is spared', () => {
    // The loss in the deterministic simulation (failover-sim.test.ts, 'a running host a member
    // deposes'): the host acknowledged the writer's writes after its other member had left it to
    // depose it; the writer was killed, and the successor, which does not wait for the host it
    // deposed, ordered on without them.
    const host = proc('h', { role: 'host', member: false, version: 1640 });
    const writer = proc('w', { ackedVersion: 1640, version: 1640 });
    const behind = proc('c', { version: 1248 });
    const procs = [host, writer, behind];
    expect(holderWithout(writer, procs, NOW)).toBeUndefined();
    expect(describeUncounted(writer, procs, NOW)).toBe('need 1640, held by h (host) at 1640');
    behind.version = 1640;
    expect(holderWithout(writer, procs, NOW)).toEqual({ holder: behind, need: 1640 });
  });

  it('does not count a joiner that is not known yet, a frozen process or a dead one', () => {
    const writer = proc('w', { ackedVersion: 50, version: 50 });
    const joiner = proc('j', { member: false, version: 50 });
    const frozen = proc('f', { version: 50, frozenUntil: NOW + 1 });
    const dead = proc('d', { alive: false, version: 50 });
    const procs = [writer, joiner, frozen, dead];
    expect(holderWithout(writer, procs, NOW)).toBeUndefined();
    expect(describeUncounted(writer, procs, NOW)).toBe('need 50, held by j (not known) at 50, f (frozen) at 50');
    // Its SIGCONT is due: running again, it answers a new host.
    expect(holderWithout(writer, procs, NOW + 1)?.holder).toBe(frozen);
  });

  it('a member just elected host no longer counts, whatever its last count said', () => {
    const writer = proc('w', { ackedVersion: 9, version: 9 });
    const elected = proc('e', { role: 'host', member: true, version: 9 });
    expect(holderWithout(writer, [writer, elected], NOW)).toBeUndefined();
  });

  it('needs what the dead writers were told too, not only the victim', () => {
    const gone = proc('g', { alive: false, ackedVersion: 30 });
    const host = proc('h', { role: 'host', member: false, version: 30 });
    const lagging = proc('l', { version: 20 });
    // Killing the host would leave the dead writer's last writes on nobody a next host waits for.
    expect(holderWithout(host, [gone, host, lagging], NOW)).toBeUndefined();
    lagging.version = 30;
    expect(holderWithout(host, [gone, host, lagging], NOW)?.need).toBe(30);
  });
});

describe('MemberState (what a worker reports as member)', () => {
  it('is a member once acknowledged as a client, still while electing after that, not after hosting', () => {
    const state = new MemberState();
    state.roleChanged('client', 'starting');
    expect(state.current).toBe(false);
    state.acked();
    expect(state.current).toBe(true);
    state.roleChanged('electing', 'client');
    expect(state.current).toBe(true);
    state.roleChanged('host', 'electing');
    expect(state.current).toBe(false);
    state.acked();
    expect(state.current).toBe(false);
    state.roleChanged('electing', 'host');
    state.roleChanged('client', 'electing');
    expect(state.current).toBe(false);
    state.acked();
    expect(state.current).toBe(true);
  });
});
