// A strict TypeScript consumer compiled as CommonJS (the package's `require` types).
import { MemSync, type MemSyncStatus } from 'memsync';

export async function status(): Promise<MemSyncStatus> {
  const mem = new MemSync('typed-cjs', { n: 0 });
  return mem.status();
}
