// Both builds in one process (the dual-package hazard): the ESM import and the CommonJS
// require of the installed package are two copies of every class, and an error one copy
// throws must still pass `instanceof` and `isMemSyncError` of the other.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'memsync';

const cjs = createRequire(import.meta.url)('memsync');
assert.notEqual(esm.MemSyncError, cjs.MemSyncError, 'the two builds are two copies');

// A real failure from each build: a patch with a refused operator, on an in-process mesh.
async function failureFrom(lib) {
  const mem = new lib.MemSync('dual', { n: 0 }, { transport: lib.createLoopbackTransport() });
  await mem.start();
  try {
    await mem.patch({ $where: '1' });
  } catch (error) {
    return error;
  } finally {
    await mem.stop();
  }
  throw new Error('the patch was not refused');
}

for (const [made, other] of [[esm, cjs], [cjs, esm]]) {
  const error = await failureFrom(made);
  assert.ok(error instanceof other.MemSyncError, 'instanceof the other build\'s MemSyncError');
  assert.ok(error instanceof other.PatchValidationError, 'instanceof the other build\'s subclass');
  assert.ok(!(error instanceof other.TimeoutError), 'not an instance of a sibling class');
  assert.ok(other.isMemSyncError(error), 'isMemSyncError of the other build');
  assert.equal(error.code, 'ERR_UNKNOWN_OPERATOR');
  const timeout = new made.TimeoutError('slow');
  assert.ok(timeout instanceof other.TimeoutError && !(timeout instanceof other.PatchValidationError));
}
assert.ok(!(new Error('plain') instanceof esm.MemSyncError) && !cjs.isMemSyncError(new Error('plain')));
console.log(`dual package ok on node ${process.version}`);
