// A strict TypeScript consumer (ESM). Type-checked, not run, under moduleResolution nodenext,
// node16 and bundler with skipLibCheck false and exactOptionalPropertyTypes.
import {
  type ChangeEvent,
  createLoopbackTransport,
  isMemSyncError,
  MemSync,
  MemSyncError,
  type MemSyncErrorCode,
  type MemSyncOptions,
  type MemSyncStatus,
  type PatchResult,
  type Role,
} from 'memsync';

interface State {
  hits: number;
  config: { mode: 'fast' | 'safe' };
  users: Record<string, { name: string }>;
}

const options: MemSyncOptions = { transport: createLoopbackTransport(), timeout: 1_000 };
const mem = new MemSync<State>('typed', { hits: 0, config: { mode: 'fast' }, users: {} }, options);

export async function run(): Promise<number> {
  const joined: 'host' | 'client' = await mem.start();
  const role: Role = mem.role;
  const off = mem.observe('config.mode', (mode, change) => {
    const typed: 'fast' | 'safe' = mode;
    const version: number = change.version;
    return [typed, version];
  });
  // @ts-expect-error: the value at 'hits' is a number, not a string
  mem.observe('hits', (hits: string) => hits);
  mem.on('change', (event: ChangeEvent<State>) => event.paths.length);
  mem.on('role', ({ role: now, previous }) => [now, previous]);
  const result: PatchResult = await mem.patch({ $inc: { hits: 1 } }, { timeout: 500 });
  const status: MemSyncStatus = await mem.status();
  const pid: number | undefined = status.members[0]?.pid;
  const name: string | undefined = mem.get('users.alice.name');
  try {
    await mem.patch({ $set: { 'config.mode': 'safe' } }, { if: { hits: { $gt: 0 } } });
  } catch (error) {
    if (isMemSyncError(error)) {
      const code: MemSyncErrorCode = error.code;
      return code.length;
    }
    if (error instanceof MemSyncError) return -1;
  }
  off();
  await mem.stop();
  return [joined, role, result.version, pid, name].length;
}
