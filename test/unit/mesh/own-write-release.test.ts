import { describe, expect, it } from 'vitest';
import { OwnWriteRelease } from '../../../src/mesh/own-write-release.js';

/** A core that records what it was told to release. */
function core() {
  const released: number[] = [];
  return { released, holdingOwn: true, releaseOwn: (version: number) => void released.push(version) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("OwnWriteRelease: when a host's own writes are acknowledged", () => {
  it('with members, up to the highest version one of them holds, never lower', () => {
    const c = core();
    const release = new OwnWriteRelease(c, { members: () => 2, halted: () => false, deposedNow: () => false });
    release.held(5);
    release.held(3);
    release.check();
    expect(c.released).toEqual([5, 5, 5]);
  });

  it('alone, on the next turn of the event loop, not in the same one, once however often asked', async () => {
    const c = core();
    const release = new OwnWriteRelease(c, { members: () => 0, halted: () => false, deposedNow: () => false });
    release.check();
    release.check();
    await Promise.resolve();
    expect(c.released).toEqual([]);
    await turn();
    expect(c.released).toEqual([Number.POSITIVE_INFINITY]);
  });

  it('alone but deposed (checked afresh at release), or halted, releases nothing', async () => {
    const deposed = core();
    new OwnWriteRelease(deposed, { members: () => 0, halted: () => false, deposedNow: () => true }).check();
    const halted = core();
    new OwnWriteRelease(halted, { members: () => 0, halted: () => true, deposedNow: () => false }).releaseAlone();
    await turn();
    expect(deposed.released).toEqual([]);
    expect(halted.released).toEqual([]);
  });

  it('a member that joined before the turn came takes the release over: nothing is released alone', async () => {
    const c = core();
    let members = 0;
    const release = new OwnWriteRelease(c, { members: () => members, halted: () => false, deposedNow: () => false });
    release.check();
    members = 1;
    await turn();
    expect(c.released).toEqual([]);
  });
});
