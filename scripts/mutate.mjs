#!/usr/bin/env node
/**
 * A small mutation check of the failover protocol's critical lines: each mutant undoes one
 * rule the promise rests on; the covering tests must fail on it ("killed"). Prints the score.
 * `npm run mutate` (a few minutes); `npm run mutate -- <name>` runs the mutants named.
 * The source is restored after each mutant, also when interrupted.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const SIM = 'test/sim/failover-sim.test.ts';
const MUTANTS = [
  {
    name: 'new host does not wait for a running host its members deposed',
    file: 'src/mesh/mesh-node.ts',
    find: 'if (lostHost?.running()) expected.set(lostHost.member.peer, lostHost.member);',
    replace: '',
    tests: [SIM],
  },
  {
    name: 'gathering host replaces a longer upload still arriving with a shorter one it adopted',
    file: 'src/mesh/host-uploads.ts',
    find: '!claimsBeyond(other, snapshot.version)',
    replace: 'true',
    tests: ['test/unit/protocol/host-claims.test.ts'],
  },
  {
    name: 'gathering host forgets a claimant that left before its history arrived',
    file: 'src/mesh/host-role.ts',
    find: 'if (peer.member && honest && this.gather.gathering) this.gather.expectAgain(peer.member);',
    replace: '',
    tests: ['test/unit/protocol/host-claims.test.ts'],
  },
  {
    name: 'client follows a host older than one it followed',
    file: 'src/mesh/client-role.ts',
    find: 'if (welcome.epoch < this.core.knownEpoch) {',
    replace: 'if (false) {',
    tests: ['test/unit/protocol/client-epochs.test.ts'],
  },
  {
    name: 'client takes entries of another epoch after its welcome',
    file: 'src/mesh/client-role.ts',
    find: "if ('epoch' in message && message.epoch !== this.epoch) {",
    replace: 'if (false) {',
    tests: ['test/unit/protocol/client-epochs.test.ts'],
  },
  {
    name: 'client keeps an entry another epoch ordered at a version it holds',
    file: 'src/mesh/client-role.ts',
    find: 'if (ours !== undefined && ours !== entry.epoch) {',
    replace: 'if (false) {',
    tests: ['test/unit/protocol/client-epochs.test.ts', SIM],
  },
  {
    name: 'host orders a resend it already ordered',
    file: 'src/mesh/host-ordering.ts',
    find: 'if (patch.seq <= this.unapplied.lastSeq(patch.peer)) return;',
    replace: '',
    tests: [SIM, 'test/integration/mesh/failover-promise.test.ts', 'test/integration/mesh/exactly-once.test.ts'],
  },
  {
    name: 'host acknowledges its own write before another replica holds it',
    file: 'src/mesh/replica-core.ts',
    find: 'if ((this.holdOwn || this.#gate) && this.outbox.has(entry.patch.seq))',
    replace: 'if (this.#gate && this.outbox.has(entry.patch.seq))',
    tests: ['test/unit/protocol/host-welcome.test.ts', SIM, 'test/integration/mesh/failover-promise.test.ts'],
  },
  {
    name: 'joiner told it is known before the members know of it',
    file: 'src/mesh/join-queue.ts',
    find: 'if (aware < joiner.joinSeq) break;',
    replace: '',
    tests: ['test/unit/mesh/join-queue.property.test.ts', 'test/unit/protocol/host-welcome.test.ts', SIM],
  },
  {
    name: "host counts a joiner's acknowledgement before the members know of it",
    file: 'src/mesh/host-role.ts',
    find: 'if (peer.known) this.countAck(peer, version);',
    replace: 'if (true) this.countAck(peer, version);',
    tests: ['test/unit/protocol/host-welcome.test.ts', SIM],
  },
  {
    name: 'joiner acknowledges its own write before it is known',
    file: 'src/mesh/replica-core.ts',
    find: 'if ((this.holdOwn || this.#gate) && this.outbox.has(entry.patch.seq))',
    replace: 'if (this.holdOwn && this.outbox.has(entry.patch.seq))',
    tests: ['test/unit/protocol/client-known.test.ts', SIM],
  },
  {
    name: 'gather closes on its window while members are alive',
    file: 'src/mesh/gather-window.ts',
    find: 'else if (alive === true) live = true;',
    replace: '',
    tests: [SIM],
  },
  {
    name: 'gather closes while asked-for history is arriving',
    file: 'src/mesh/host-role.ts',
    find: 'historyPending: () => [...this.peers].some((peer) => peer.awaitingHistory),',
    replace: 'historyPending: () => false,',
    tests: [SIM, 'test/integration/mesh/failover-promise.test.ts'],
  },
  {
    name: 'new host orders its in-flight patches after newer ones',
    file: 'src/mesh/mesh-node.ts',
    find: 'for (const patch of this.core.unordered()) host.submitLocal(patch);',
    replace: 'setTimeout(() => { for (const patch of this.core.unordered()) host.submitLocal(patch); }, 0);',
    tests: [SIM, 'test/integration/mesh/failover-promise.test.ts'],
  },
  {
    name: 'fresh host ignores the survivors recorded beside the socket',
    file: 'src/mesh/mesh-node.ts',
    find: 'for (const r of transport.announced?.(address) ?? []) {',
    replace: 'for (const r of [] as Array<{ peer: string; pid: number }>) {',
    tests: [SIM],
  },
  {
    name: 'host behind a joiner\'s epoch does not step down',
    file: 'src/mesh/hello-admission.ts',
    find: 'if (hello.knownEpoch > host.epoch) return',
    replace: 'if (false) return',
    tests: [SIM],
  },
  {
    name: 'stamp ceiling follows the stamps admitted',
    file: 'src/mesh/replica-core.ts',
    find: 'return Math.max(this.clock.wallHigh, this.clock.last - STAMP_LEAD) + STAMP_LEAD;',
    replace: 'return Math.max(this.clock.wallHigh, this.clock.last) + STAMP_LEAD;',
    tests: ['test/unit/protocol/host-role-hostile.test.ts'],
  },
  {
    name: 'deposed host keeps acting (no fence)',
    file: 'src/mesh/host-fence.ts',
    find: 'if (this.owns() !== false) return false;',
    replace: 'return false;',
    tests: ['test/unit/protocol/host-fenced.test.ts', SIM, 'test/unit/mesh/liveness.test.ts'],
  },
  {
    name: 'deposed host acknowledges its held writes as it stops',
    file: 'src/mesh/host-role.ts',
    find: 'if (this.welcomed.size === 0 && !this.fence.deposed(true)) this.core.releaseOwn',
    replace: 'if (this.welcomed.size === 0) this.core.releaseOwn',
    tests: ['test/unit/protocol/host-fenced.test.ts', SIM],
  },
  {
    name: 'new host waits for the frozen host it deposed',
    file: 'src/mesh/mesh-node.ts',
    find: 'if (this.hostId !== undefined) expected.delete(this.hostId);',
    replace: '',
    tests: ['test/integration/mesh/frozen-host.test.ts'],
  },
  {
    name: 'member counts its own pause as the host\'s silence',
    file: 'src/mesh/host-watch.ts',
    find: 'if (now - this.lastTick > this.interval + this.hostTimeout / 2) this.lastHeard = now;',
    replace: '',
    tests: ['test/unit/mesh/liveness.test.ts'],
  },
  {
    name: 'deposer takes a live socket over by address alone',
    file: 'src/transport/unix-listen.ts',
    find: 'return depose !== undefined && socketIdentity(path) === depose;',
    replace: 'return depose !== undefined;',
    tests: ['test/integration/transport/depose.test.ts'],
  },
  {
    name: 'host lets another process take a bound id',
    file: 'src/mesh/identity.ts',
    find: 'if (bound === undefined || bound.key === undefined || key === bound.key) return undefined;',
    replace: 'return undefined;',
    tests: ['test/unit/protocol/host-claims.test.ts', 'test/integration/hostile/id-binding.test.ts'],
  },
  {
    name: 'new host forgets who held the ids of the previous epoch',
    file: 'src/mesh/host-role.ts',
    find: 'this.bindings.learn(options.previous.values());',
    replace: '',
    tests: ['test/unit/protocol/host-claims.test.ts', 'test/integration/hostile/id-binding.test.ts'],
  },
  {
    name: 'gathering host believes a history of an epoch past its own',
    file: 'src/mesh/history-claims.ts',
    find: "if (hello.entryEpoch >= context.epoch || hello.entryEpoch > hello.knownEpoch) return 'none';",
    replace: '',
    tests: ['test/unit/protocol/host-claims.test.ts', 'test/integration/hostile/history-claims.test.ts'],
  },
  {
    name: 'gathering host believes any claimant, member or not',
    file: 'src/mesh/history-claims.ts',
    find: "if (context.previous.size === 0 || provedMember(hello, key, context.previous.get(hello.peer))) return 'any';",
    replace: "return 'any';",
    tests: ['test/unit/protocol/host-claims.test.ts', 'test/integration/hostile/history-claims.test.ts'],
  },
  {
    name: 'gathering host adopts a whole state from a peer not proved a member',
    file: 'src/mesh/host-uploads.ts',
    find: "if (peer.trust !== 'any') throw new ProtocolError",
    replace: "if (false) throw new ProtocolError",
    tests: ['test/unit/protocol/host-claims.test.ts', 'test/integration/hostile/history-claims.test.ts'],
  },
  {
    name: 'gathering host adopts a state of another epoch or version than claimed',
    file: 'src/mesh/host-uploads.ts',
    find: 'if (!snapshotWithinClaim(snapshot, peer.hello!, host.epoch)) {',
    replace: 'if (false) {',
    tests: ['test/unit/protocol/host-claims.test.ts', 'test/integration/hostile/history-claims.test.ts'],
  },
  {
    name: 'gathering host adopts entries beyond the claim',
    file: 'src/mesh/host-uploads.ts',
    find: "if (!entriesWithinClaim(entries, peer.hello!)) throw",
    replace: "if (false) throw",
    tests: ['test/unit/protocol/host-claims.test.ts', SIM],
  },
  {
    name: 'client never reports its pending patches',
    file: 'src/mesh/pending-report.ts',
    find: 'this.send(count);',
    replace: '',
    tests: ['test/integration/cli/cli-pending.test.ts'],
  },
];

const only = process.argv.slice(2);
const chosen = only.length ? MUTANTS.filter((m) => only.some((o) => m.name.includes(o))) : MUTANTS;
let killed = 0;
const results = [];
for (const mutant of chosen) {
  const original = readFileSync(mutant.file, 'utf8');
  const at = original.indexOf(mutant.find);
  if (at < 0 || original.indexOf(mutant.find, at + 1) >= 0) {
    console.error(`mutant '${mutant.name}': its line is not found exactly once in ${mutant.file}`);
    process.exitCode = 2;
    continue;
  }
  const restore = () => writeFileSync(mutant.file, original);
  const onInterrupt = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  writeFileSync(mutant.file, original.slice(0, at) + mutant.replace + original.slice(at + mutant.find.length));
  const started = Date.now();
  let run;
  try {
    run = spawnSync('npx', ['vitest', 'run', '--bail=1', ...mutant.tests], {
      env: { ...process.env, SIM_RUNS: process.env.SIM_RUNS ?? '400' },
      encoding: 'utf8',
      timeout: 600_000,
    });
  } finally {
    restore();
    process.off('SIGINT', onInterrupt);
  }
  const dead = run.status !== 0;
  if (dead) killed++;
  const line = `${dead ? 'killed  ' : 'SURVIVED'} ${mutant.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`;
  results.push(line);
  console.log(line);
}
console.log(`mutation score: ${killed}/${chosen.length} killed`);
if (killed < chosen.length) process.exitCode = 1;
