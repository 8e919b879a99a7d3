/**
 * Sections of BENCHMARKS.md written by hand (measurements with their own commands and
 * dates), which `--write` must carry over: the rest of the file is regenerated from one run.
 * They sit between two marker comments; the generator puts them back after the Goals table.
 */
export const HAND_START = '<!-- by-hand sections: kept as they are by `npm run bench -- --write` -->';
export const HAND_END = '<!-- end of by-hand sections -->';

/** The marked block of an earlier BENCHMARKS.md (markers included), if it has one. */
export function handSectionsOf(existing: string): string | undefined {
  const start = existing.indexOf(HAND_START);
  if (start === -1) return undefined;
  const end = existing.indexOf(HAND_END, start + HAND_START.length);
  if (end === -1) {
    // A start without an end would drop everything after it on the next write: refuse.
    throw new Error(`BENCHMARKS.md has "${HAND_START}" but no "${HAND_END}" after it`);
  }
  return existing.slice(start, end + HAND_END.length);
}
