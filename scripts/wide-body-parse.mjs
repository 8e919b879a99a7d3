/**
 * What a wide document's keys cost JSON.parse (#18, the next lever for the mixed workload):
 * frames of 32 bodies `{"$inc":{"kN":1}}` with N drawn from KEYS keys, parsed as a reader
 * parses an `entries` frame's JSON part and looked at once (the operator's key, the path's
 * key, the value), against the same updates sent as `["$inc","kN",1]` and rebuilt with the
 * path object in dictionary mode past 1,024 paths (as validate.ts's pathsObject makes them).
 * Past ~1,500 keys V8 stops adding transitions to `{}`'s map, so JSON.parse gives each path
 * object a hidden class of its own: that, not the bytes, is the cost that grows with KEYS.
 *
 *   node scripts/wide-body-parse.mjs [KEYS] [object|array]
 *
 * Printed: ns per body for rounds 3-6 (the first two warm up).
 */
const keys = Number(process.argv[2] ?? 10_000);
const form = process.argv[3] ?? 'object';
if (form !== 'object' && form !== 'array') throw new Error('form: object or array');

let x = 7;
const random = () => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) / 4_294_967_296;
};
const frames = [];
for (let f = 0; f < 2000; f++) {
  const bodies = [];
  for (let i = 0; i < 32; i++) {
    const key = `k${Math.floor(random() * keys)}`;
    bodies.push(form === 'object' ? `{"$inc":{"${key}":1}}` : `["$inc","${key}",1]`);
  }
  frames.push(Buffer.from(`[["peerA","peerB"],[${bodies.join(',')}]]`));
}

const sharedShape = new Set();
function pathsObject(first) {
  if (sharedShape.has(first)) return {};
  if (sharedShape.size < 1024) {
    sharedShape.add(first);
    return {};
  }
  const paths = { d0: 0, d1: 0 };
  delete paths.d0;
  delete paths.d1;
  return paths;
}
function look(update) {
  const op = Object.keys(update)[0];
  const paths = update[op];
  const names = Object.keys(paths);
  return paths[names[0]] + names.length;
}

for (let round = 0; round < 6; round++) {
  let sink = 0;
  const began = process.hrtime.bigint();
  for (let rep = 0; rep < 5; rep++) {
    for (const frame of frames) {
      const bodies = JSON.parse(frame.toString('utf8'))[1];
      for (const body of bodies) {
        if (form === 'object') sink += look(body);
        else {
          const paths = pathsObject(body[1]);
          paths[body[1]] = body[2];
          sink += look({ [body[0]]: paths });
        }
      }
    }
  }
  const ns = Number(process.hrtime.bigint() - began) / (5 * frames.length * 32);
  if (round >= 2) console.log(`keys=${keys} ${form}: ${ns.toFixed(0)} ns per body (sink ${sink})`);
}
