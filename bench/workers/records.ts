/**
 * Document content for the join and memory scenarios: plain records of the kind an
 * application shares (ids, names, numbers, flags, short arrays), not one long string that
 * would flatter both JSON and the heap.
 */
import type { JsonObject } from '../../src/index.js';

/** About this many bytes of JSON per chunk: one chunk is one patch, well under maxPatchBytes. */
export const CHUNK_BYTES = 256 * 1024;

/** A chunk of about {@link CHUNK_BYTES} bytes of JSON, different for each `index`. */
export function recordsChunk(index: number): JsonObject {
  const chunk: JsonObject = {};
  let bytes = 2;
  for (let n = 0; bytes < CHUNK_BYTES; n++) {
    const id = `r${index}_${n}`;
    const record: JsonObject = {
      name: `user ${index * 100_000 + n}`,
      score: (n * 7919) % 1000,
      ratio: Math.round(((n * 104_729) % 10_000) / 7) / 1000,
      active: n % 3 !== 0,
      tags: [`t${n % 7}`, `g${n % 13}`],
    };
    chunk[id] = record;
    bytes += JSON.stringify(record).length + id.length + 4;
  }
  return chunk;
}
