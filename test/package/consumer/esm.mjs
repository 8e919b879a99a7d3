// ESM consumer: the package's `import` entry, used for real (an in-process mesh of two).
import assert from 'node:assert/strict';
import { createLoopbackTransport, isMemSyncError, MemSync, MemSyncError } from 'memsync';

const transport = createLoopbackTransport();
const a = new MemSync('esm', { n: 0 }, { transport });
const b = new MemSync('esm', { n: 0 }, { transport });
assert.equal(await a.start(), 'host');
assert.equal(await b.start(), 'client');
const result = await b.patch({ $inc: { n: 2 } });
await a.whenVersion(result.version, { timeout: 5_000 });
assert.deepEqual(a.data, { n: 2 });
await assert.rejects(a.patch({ $where: '1' }), (error) => error instanceof MemSyncError && isMemSyncError(error));
await b.stop();
await a.stop();
console.log(`esm ok on node ${process.version}`);
