import { afterEach, describe, expect, it } from 'vitest';
import { HOST_EPOCH, HostHarness, helloFrom } from './role-harness.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A host deposed while it did not run (issue #14) wakes to its members' closes, a late ack, a
 * timer: none of it may acknowledge its own writes, order or broadcast anything.
 */
describe('a deposed host, running again', () => {
  const harnesses: HostHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  async function heldWrite(h: HostHarness): Promise<{ result: () => unknown }> {
    let result: unknown;
    const patch = h.core.nextPatch({ update: { $inc: { n: 1 } } });
    h.core.propose(patch);
    void h.core.outbox.add(patch, { timeoutMs: 10_000 }).then(
      (r) => (result = r),
      (e: unknown) => (result = e),
    );
    h.role.submitLocal(patch);
    await settle();
    await settle();
    return { result: () => result };
  }

  function deposable(): { h: HostHarness; depose: () => void; deposed: () => number } {
    let owned = true;
    let deposedCount = 0;
    const h: HostHarness = new HostHarness({
      // Heartbeats 500 ms apart: none runs while the test "freezes" the host for 150 ms.
      hostTimeout: 2000,
      owns: () => owned,
      onDeposed: () => {
        deposedCount++;
        void h.role.stop(false);
      },
    });
    harnesses.push(h);
    return { h, depose: () => (owned = false), deposed: () => deposedCount };
  }

  it('its members leaving does not make it "alone": its held write stays unacknowledged', async () => {
    const { h, depose, deposed } = deposable();
    await settle();
    const member = await h.join('member');
    const write = await heldWrite(h);
    expect(write.result()).toBeUndefined();
    depose();
    await pause(150); // longer than the fence's cache (100 ms): the host "slept"
    member.close(); // what it wakes to: the member that deposed it is gone
    await settle();
    await settle();
    expect(deposed()).toBe(1);
    expect(write.result()).toBeUndefined();
  });

  it('a late ack does not acknowledge, and nothing more is ordered or welcomed', async () => {
    const { h, depose, deposed } = deposable();
    await settle();
    const member = await h.join('member');
    const write = await heldWrite(h);
    depose();
    await pause(150);
    const before = member.sent.length;
    member.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 1 });
    await settle();
    expect(deposed()).toBe(1);
    expect(write.result()).toBeUndefined();
    member.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [{ peer: 'member', seq: 1, ts: Date.now() * 1000, update: { $inc: { n: 1 } } }] });
    const joiner = h.connect();
    joiner.deliver(helloFrom('joiner'));
    await settle();
    expect(member.sent.slice(before).filter((m) => m.type === 'entries')).toEqual([]);
    expect(joiner.sentOf('welcome')).toEqual([]);
    expect(h.core.replica.version).toBe(1);
  });
});
