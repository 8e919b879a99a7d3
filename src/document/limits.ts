/** Bounds on what one patch may contain. Every replica of a mesh should use the same limits. */
export interface DocumentLimits {
  /**
   * Nesting allowed in a patch: the segments of a path plus the depth of the value written
   * there (and the nesting of conditions and array filters).
   * @default 64
   */
  maxDepth: number;
  /**
   * Approximate JSON size of one patch in bytes, counted while it is checked.
   * @default 1048576 (1 MiB)
   */
  maxPatchBytes: number;
  /**
   * Paths (keys of the operator arguments) in one patch.
   * @default 1000
   */
  maxPathsPerPatch: number;
  /**
   * Length of one key or path segment, in UTF-16 code units.
   * @default 1024
   */
  maxKeyLength: number;
}

/** The limits used where none are given. */
export const DEFAULT_DOCUMENT_LIMITS: Readonly<DocumentLimits> = Object.freeze({
  maxDepth: 64,
  maxPatchBytes: 1 << 20,
  maxPathsPerPatch: 1000,
  maxKeyLength: 1024,
});

/** Fills in defaults; extra properties (a wider limits object) are ignored. */
export function resolveDocumentLimits(limits?: Partial<DocumentLimits>): DocumentLimits {
  // Called for every patch with the same options object: resolve it once, and hand out the
  // same result (memos downstream are keyed by it).
  if (limits === undefined) return DEFAULT_DOCUMENT_LIMITS;
  let resolved = resolvedLimits.get(limits);
  if (resolved === undefined) {
    resolved = intern(resolveFresh(limits));
    resolvedLimits.set(limits, resolved);
  }
  return resolved;
}

const resolvedLimits = new WeakMap<Partial<DocumentLimits>, DocumentLimits>();

/**
 * Limits resolved so far, one object per distinct set of values. A caller passing a fresh
 * options object per call (`validatePatchInput(p)` defaults to `{}`) got a fresh resolved
 * object each time, so every memo keyed by it (parsed paths) missed: `$inc {n: 1}` cost
 * ~3 us instead of ~0.2. Bounded: a process uses a handful of limit sets.
 */
const interned: DocumentLimits[] = [DEFAULT_DOCUMENT_LIMITS];
const MAX_INTERNED = 32;

function intern(limits: DocumentLimits): DocumentLimits {
  for (const known of interned) {
    if (
      known.maxDepth === limits.maxDepth &&
      known.maxPatchBytes === limits.maxPatchBytes &&
      known.maxPathsPerPatch === limits.maxPathsPerPatch &&
      known.maxKeyLength === limits.maxKeyLength
    ) {
      return known;
    }
  }
  if (interned.length < MAX_INTERNED) interned.push(limits);
  return limits;
}

function resolveFresh(limits: Partial<DocumentLimits>): DocumentLimits {
  return {
    maxDepth: limits?.maxDepth ?? DEFAULT_DOCUMENT_LIMITS.maxDepth,
    maxPatchBytes: limits?.maxPatchBytes ?? DEFAULT_DOCUMENT_LIMITS.maxPatchBytes,
    maxPathsPerPatch: limits?.maxPathsPerPatch ?? DEFAULT_DOCUMENT_LIMITS.maxPathsPerPatch,
    maxKeyLength: limits?.maxKeyLength ?? DEFAULT_DOCUMENT_LIMITS.maxKeyLength,
  };
}
