/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS consumer is the point */
// CommonJS consumer: the package's `require` entry, used for real (an in-process mesh of two).
const assert = require('node:assert/strict');
const { createLoopbackTransport, isMemSyncError, MemSync, MemSyncError } = require('memsync');

async function main() {
  const transport = createLoopbackTransport();
  const a = new MemSync('cjs', { n: 0 }, { transport });
  const b = new MemSync('cjs', { n: 0 }, { transport });
  assert.equal(await a.start(), 'host');
  assert.equal(await b.start(), 'client');
  const result = await b.patch({ $inc: { n: 2 } });
  await a.whenVersion(result.version, { timeout: 5_000 });
  assert.deepEqual(a.data, { n: 2 });
  await assert.rejects(a.patch({ $where: '1' }), (error) => error instanceof MemSyncError && isMemSyncError(error));
  await b.stop();
  await a.stop();
  console.log(`cjs ok on node ${process.version}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
