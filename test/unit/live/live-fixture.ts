import { createLive } from '../../../src/live/live.js';
import type { JsonValue } from '../../../src/types.js';
import { type FakeSource, fakeSource } from './fake-source.js';

/** The document most live tests start from. */
export interface Doc {
  user: { name: string; age?: number; tags?: string[] };
  items: Array<{ id: number; done?: boolean }>;
  list: number[];
  count: number;
  [key: string]: JsonValue | undefined;
}

/** A live object over a fresh fake source holding a {@link Doc}, errors collected. */
export function setup(): { source: FakeSource<Doc>; live: Doc; errors: unknown[] } {
  const source = fakeSource<Doc>({
    user: { name: 'Ada', age: 36 },
    items: [{ id: 1 }, { id: 2 }],
    list: [3, 1, 2],
    count: 0,
  });
  const errors: unknown[] = [];
  const live = createLive(source, (e) => errors.push(e));
  return { source, live, errors };
}
