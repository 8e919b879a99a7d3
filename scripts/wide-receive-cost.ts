/**
 * A replica's work per received entry of the mixed workload (#18), in one process by CPU
 * time: compact `entries` frames of `$inc`s of random keys of a 10,000-key document, decoded
 * (decodeCompact), checked as a client checks them (checkParsedPatch, or checkEntryPatch
 * where the tree has it) and applied to a Replica in one batch per frame, then the state read
 * at a random key per entry (later reads of what was written).
 * `node --import tsx scripts/wide-receive-cost.ts [DIR] [KEYS]`, DIR a checkout (default:
 * this one; the same script measures another tree), KEYS the document's keys (default 10,000;
 * 1 for the fan-out's `$inc {n: 1}` shape); STAGE=decode leaves the apply and reads out. Printed: ns of CPU per entry, median of rounds.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Update = Record<string, Record<string, number>>;
interface Entry {
  version: number;
  epoch: number;
  patch: { peer: string; seq: number; ts: number; update: Update };
}
interface DocumentModule {
  Replica: new (initial: Record<string, number>) => {
    applyBatch(entries: Entry[]): unknown;
    readonly state: Record<string, unknown>;
  };
  checkParsedPatch(input: { update: unknown }, limits?: object): void;
  checkEntryPatch?: (input: { update: unknown }, limits: object) => void;
  DEFAULT_DOCUMENT_LIMITS: object;
}

const dir = resolve(process.argv[2] ?? '.');
const keys = Number(process.argv[3] ?? 10_000);
const url = (path: string): string => pathToFileURL(resolve(dir, path)).href;
const doc = (await import(url('src/document/index.ts'))) as DocumentModule;
const { encodeEntries } = (await import(url('src/protocol/compact.ts'))) as {
  encodeEntries(epoch: number, batch: Entry[], ack: boolean, max: number): { body: Buffer };
};
const { decodeCompact } = (await import(url('src/protocol/compact-decode.ts'))) as {
  decodeCompact(body: Buffer): { entries: Entry[] };
};

const PER_FRAME = 32;
const FRAMES = Number(process.env.FRAMES ?? 2_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const initial = Object.fromEntries(Array.from({ length: keys }, (_, i) => [keys === 1 ? 'n' : `k${i}`, 0]));
const replica = new doc.Replica(initial);
let seed = 42;
const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const key = (): string => (keys === 1 ? 'n' : `k${Math.floor(random() * keys)}`);
let version = 0;

/** The frame bodies a host sends (the binary frame's bytes without the length prefix). */
function frames(): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const batch: Entry[] = [];
    for (let i = 0; i < PER_FRAME; i++) {
      version++;
      batch.push({ version, epoch: 1, patch: { peer: 'writer-1', seq: version, ts: 1_763_900_000_000_000 + version, update: { $inc: { [key()]: 1 } } } });
    }
    out.push(encodeEntries(1, batch, false, 1 << 26).body);
  }
  return out;
}

/** STAGE=decode: decoded and checked only (the decoder's and the check's share). */
const DECODE_ONLY = process.env.STAGE === 'decode';
const check = doc.checkEntryPatch ?? doc.checkParsedPatch;
const figures: number[] = [];
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  const input = frames();
  const began = process.cpuUsage();
  for (const body of input) {
    const { entries } = decodeCompact(body);
    for (const entry of entries) check(entry.patch, doc.DEFAULT_DOCUMENT_LIMITS);
    if (DECODE_ONLY) continue;
    replica.applyBatch(entries);
    const state = replica.state;
    for (let i = 0; i < PER_FRAME; i++) if (state[key()] !== undefined) sink++;
  }
  const used = process.cpuUsage(began);
  figures.push(((used.user + used.system) * 1000) / (FRAMES * PER_FRAME));
}
const kept = figures.slice(Math.min(2, ROUNDS - 1)).sort((a, b) => a - b);
console.log(`${dir} keys=${keys}: ns CPU per entry median ${kept[Math.floor(kept.length / 2)]!.toFixed(0)} (rounds ${figures.map((f) => f.toFixed(0)).join(', ')}; ${sink > 0 ? 'read' : '-'})`);
