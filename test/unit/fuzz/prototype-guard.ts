/** Detects prototype pollution: anything added to Object.prototype or Array.prototype. */

const pristineObject = new Set(Reflect.ownKeys(Object.prototype));
const pristineArray = new Set(Reflect.ownKeys(Array.prototype));

/** Keys added to the shared prototypes since this module loaded (empty when untouched). */
export function prototypePollution(): string[] {
  const added = [
    ...Reflect.ownKeys(Object.prototype).filter((k) => !pristineObject.has(k)),
    ...Reflect.ownKeys(Array.prototype).filter((k) => !pristineArray.has(k)),
  ].map(String);
  if ((Object.prototype as Record<string, unknown>).polluted !== undefined) added.push('polluted');
  return added;
}

/** Throws when a shared prototype was polluted (inside a property, that fails the case). */
export function assertPrototypesUntouched(): void {
  const added = prototypePollution();
  if (added.length > 0) throw new Error(`prototype polluted: ${added.join(', ')}`);
}

/**
 * Own keys anywhere in `value` that are in `forbidden`. With `asPaths`, a dotted key counts
 * when any of its segments is (keys of conditions are field paths).
 */
export function forbiddenKeysIn(
  value: unknown,
  forbidden: ReadonlySet<string>,
  asPaths: boolean,
): string[] {
  const found: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    for (const key of Object.keys(item)) {
      const parts = asPaths ? key.split('.') : [key];
      if (parts.some((part) => forbidden.has(part))) found.push(key);
      stack.push((item as Record<string, unknown>)[key]);
    }
  }
  return found;
}
