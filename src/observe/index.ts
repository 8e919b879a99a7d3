export { jsonEqual } from './json-equal.js';
export {
  childPath,
  getAt,
  isAncestorOrSelf,
  joinPath,
  pathsOverlap,
  patternOverlaps,
  splitPath,
  WILDCARD,
} from './paths.js';
export {
  type Change,
  type ObserveCallback,
  ObserverRegistry,
  type ObserverRegistryOptions,
  type Transition,
  type TransitionMeta,
} from './registry.js';
export type { PathOf, TypedObserve, ValueAt } from './typed-paths.js';
