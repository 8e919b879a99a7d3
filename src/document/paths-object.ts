import type { JsonValue } from '../types.js';

/**
 * Paths whose objects were made as `{}` (at most {@link SHARED_SHAPE_PATHS}): V8 gives the
 * objects made with each of them a hidden class shared by all. Past about 1,500 keys added to
 * `{}` (V8's cap on the transitions of one map, measured here: 1,501), every object given
 * another key gets a hidden class of its own, and creating it and every later look at it
 * (Object.keys, for-in, a keyed read: in the validator, the view and the encoder) misses every
 * cache: checking and copying an `$inc` of a random key of a 10,000-key document took 2.7 us,
 * against 0.45 us for keys drawn from ten. JSON.parse makes such objects too, which is why a
 * one-path update travels as `[operator, path, value]` (protocol/compact.ts) and the decoder
 * builds its object here.
 */
const sharedShapePaths = new Set<string>();
const SHARED_SHAPE_PATHS = 1024;

/**
 * An empty plain object (Object.prototype) for an operator's paths, `first` the first of them:
 * `{}` for the first paths met (fast objects with shared hidden classes: a small document's few
 * keys), else one kept in dictionary mode, which has no hidden class per key. Dictionary mode
 * for every patch was measured ~0.4 us slower per write on a three-key document (creating,
 * enumerating and encoding it), hence the split. Shared by every maker of update objects in a
 * process, so that the same paths get the same shapes.
 */
export function pathsObject(first: string | undefined): Record<string, JsonValue> {
  if (first === undefined || sharedShapePaths.has(first)) return {};
  if (sharedShapePaths.size < SHARED_SHAPE_PATHS) {
    sharedShapePaths.add(first);
    return {};
  }
  // Deleting a property that is not the last one added puts an object in dictionary mode
  // (Object.prototype kept): Object.create(null) then setPrototypeOf cost ~0.4 us more.
  const paths: Record<string, JsonValue> = { d0: 0, d1: 0 };
  delete paths.d0;
  delete paths.d1;
  return paths;
}

/**
 * Gives `target` the own property `key`, as JSON.parse would: an assignment to `__proto__`
 * would set the prototype instead, and the key (which the validator refuses) would vanish.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
