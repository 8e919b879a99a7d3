/**
 * The directory rules of path-trust.ts on real directories. Another owner is simulated with
 * chown to 'nobody' (65534), which needs root, as these tests (and CI) run; without root the
 * ownership cases cannot be set up and fail loudly rather than pass unchecked.
 */
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSocketDir, checkSocketPath } from '../../../src/transport/path-trust.js';

const NOBODY = 65534;
const unsafe = (pattern: RegExp) =>
  expect.objectContaining({ code: 'ERR_UNSAFE_PATH', message: expect.stringMatching(pattern) });

describe.runIf(process.platform !== 'win32')('socket path trust', () => {
  let root: string;
  beforeEach(() => {
    expect(process.getuid?.()).toBe(0);
    root = mkdtempSync(join(tmpdir(), 'memsync-trust-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const dirOf = (name: string, mode: number, owner?: number): string => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, mode);
    if (owner !== undefined) chownSync(dir, owner, owner);
    return dir;
  };

  it('accepts a private directory under /tmp (sticky, writable by all) and a root-owned 0755 one', () => {
    expect(() => checkSocketDir(dirOf('mine', 0o700), 'private')).not.toThrow();
    expect(() => checkSocketPath(join(dirOf('shared-ro', 0o755), 'x.sock'))).not.toThrow();
  });

  it('refuses a socket whose own directory others may write, sticky or not', () => {
    expect(() => checkSocketPath(join(dirOf('open', 0o777), 'x.sock'))).toThrow(unsafe(/writable by group or others.*chmod go-w/));
    expect(() => checkSocketPath(join(dirOf('tmp-like', 0o1777), 'x.sock'))).toThrow(unsafe(/writable by group or others/));
  });

  it('refuses a directory above the socket that others may write and is not sticky', () => {
    dirOf('open', 0o777);
    const below = dirOf('open/mine', 0o700);
    expect(() => checkSocketDir(below, 'private')).toThrow(unsafe(/directory above the socket .*open is writable/));
    chmodSync(join(root, 'open'), 0o1777);
    expect(() => checkSocketDir(below, 'private')).not.toThrow();
  });

  it('refuses a directory above the socket owned by another user, even one nobody else may write', () => {
    dirOf('theirs', 0o755, NOBODY);
    const below = dirOf('theirs/mine', 0o700);
    expect(() => checkSocketDir(below, 'private')).toThrow(unsafe(/owned by uid 65534.*could replace/));
    expect(() => checkSocketPath(join(below, 'x.sock'))).toThrow(unsafe(/owned by uid 65534/));
  });

  it('refuses a symbolic link on the way that another user owns, or that leads somewhere unsafe', () => {
    const target = dirOf('target', 0o700);
    const open = dirOf('open', 0o1777);
    const link = join(open, 'link');
    symlinkSync(target, link);
    expect(() => checkSocketPath(join(link, 'x.sock'))).not.toThrow();
    lchownSync(link, NOBODY, NOBODY);
    expect(() => checkSocketPath(join(link, 'x.sock'))).toThrow(unsafe(/symbolic link .*owned by uid 65534/));
    const toOpen = join(root, 'to-open');
    symlinkSync(dirOf('wide', 0o777), toOpen);
    expect(() => checkSocketPath(join(toOpen, 'x.sock'))).toThrow(unsafe(/to-open is writable/));
  });

  it('refuses a directory that does not exist, saying which', () => {
    expect(() => checkSocketPath(join(root, 'missing', 'x.sock'))).toThrow(unsafe(/missing cannot be resolved/));
  });
});
