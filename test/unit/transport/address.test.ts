import {
  chownSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultAddress,
  ensureSocketDir,
  windowsPipePath,
} from '../../../src/transport/address.js';

// Socket files and modes are POSIX; Windows gets a named pipe (tested below).
if (process.platform !== 'win32') describeDefaultAddress();

function describeDefaultAddress(): void {
  describe('defaultAddress', () => {
    let root: string;
    let savedRuntimeDir: string | undefined;

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'memsync-address-'));
      savedRuntimeDir = process.env.XDG_RUNTIME_DIR;
    });

    afterEach(() => {
      if (savedRuntimeDir === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = savedRuntimeDir;
      rmSync(root, { recursive: true, force: true });
    });

    it('names the socket by a short hash of the mesh name, the same in every process', () => {
      const dir = join(root, 'sockets');
      const a = defaultAddress('orders', dir);
      expect(a).toEqual(defaultAddress('orders', dir));
      expect(a.kind).toBe('unix');
      const path = a.kind === 'unix' ? a.path : '';
      expect(path).toMatch(/\/[0-9a-f]{16}\.sock$/);
      expect(path.startsWith(dir)).toBe(true);
      expect(defaultAddress('orders2', dir)).not.toEqual(a);
    });

    it('creates the directory with mode 0700', () => {
      const dir = join(root, 'new', 'sockets');
      defaultAddress('m', dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    });

    it('uses $XDG_RUNTIME_DIR/memsync when set', () => {
      process.env.XDG_RUNTIME_DIR = root;
      const address = defaultAddress('m');
      expect(address.kind === 'unix' && address.path.startsWith(join(root, 'memsync'))).toBe(true);
    });

    /** Runs `body` with the given environment variables set (undefined: unset), then restores them. */
    function withEnv(vars: Record<string, string | undefined>, body: () => void): void {
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
      const apply = (values: Record<string, string | undefined>) => {
        for (const [key, value] of Object.entries(values)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      };
      apply(vars);
      try {
        body();
      } finally {
        apply(saved);
      }
    }

    it('without $XDG_RUNTIME_DIR, uses ~/.memsync: a place no other user can create first', () => {
      // os.homedir() follows $HOME: point it at this test's directory (ours, mode 0700).
      withEnv({ XDG_RUNTIME_DIR: undefined, HOME: root, TMPDIR: join(root, 'tmp') }, () => {
        const address = defaultAddress('m');
        expect(address.kind === 'unix' && address.path.startsWith(`${join(root, '.memsync')}/`)).toBe(true);
        expect(statSync(join(root, '.memsync')).mode & 0o777).toBe(0o700);
      });
    });

    it('falls back to a per-user directory under the temp dir only without a home of our own', () => {
      withEnv({ XDG_RUNTIME_DIR: undefined, HOME: join(root, 'no-such-home'), TMPDIR: root }, () => {
        const address = defaultAddress('m');
        const expectedDir = join(root, `memsync-${process.getuid?.()}`);
        expect(address.kind === 'unix' && address.path.startsWith(`${expectedDir}/`)).toBe(true);
        expect(statSync(expectedDir).mode & 0o777).toBe(0o700);
      });
    });

    it('refuses a directory others can access', () => {
      const dir = join(root, 'open');
      mkdirSync(dir, { mode: 0o700 });
      chmodSync(dir, 0o755);
      expect(() => defaultAddress('m', dir)).toThrow(
        expect.objectContaining({ code: 'ERR_UNSAFE_PATH' }),
      );
      chmodSync(dir, 0o710);
      expect(() => ensureSocketDir(dir)).toThrow(
        expect.objectContaining({ code: 'ERR_UNSAFE_PATH' }),
      );
      chmodSync(dir, 0o700);
      expect(() => ensureSocketDir(dir)).not.toThrow();
    });

    it('refuses a directory owned by another user', () => {
      const dir = join(root, 'theirs');
      mkdirSync(dir, { mode: 0o700 });
      if (process.getuid?.() === 0) {
        // As root (CI), hand the directory to 'nobody'; mode stays 0700, so only the owner differs.
        chownSync(dir, 65534, 65534);
        expect(() => ensureSocketDir(dir)).toThrow(
          expect.objectContaining({ code: 'ERR_UNSAFE_PATH', message: expect.stringMatching(/owned by uid 65534|owner/) }),
        );
      } else {
        // Without root nothing can be given away: '/' belongs to root.
        expect(() => ensureSocketDir('/')).toThrow(expect.objectContaining({ code: 'ERR_UNSAFE_PATH' }));
      }
    });

    it('refuses a symlink in place of the directory, and a file', () => {
      const real = join(root, 'real');
      mkdirSync(real, { mode: 0o700 });
      const link = join(root, 'link');
      symlinkSync(real, link);
      expect(() => ensureSocketDir(link)).toThrow(
        expect.objectContaining({ code: 'ERR_UNSAFE_PATH' }),
      );
      const file = join(root, 'file');
      writeFileSync(file, 'not a directory');
      expect(() => ensureSocketDir(file)).toThrow(
        expect.objectContaining({ code: 'ERR_UNSAFE_PATH' }),
      );
    });

    it('validates mesh names', () => {
      const dir = join(root, 'sockets');
      expect(() => defaultAddress('', dir)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      );
      expect(() => defaultAddress('x'.repeat(201), dir)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      );
      expect(() => defaultAddress('x'.repeat(200), dir)).not.toThrow();
    });
  });
}

describe('windowsPipePath', () => {
  it('is a named pipe per user and per mesh', () => {
    const path = windowsPipePath('orders', 'alice');
    expect(path).toMatch(/^\\\\\.\\pipe\\memsync-[0-9a-f]{16}-[0-9a-f]{16}$/);
    expect(windowsPipePath('orders', 'bob')).not.toBe(path);
    expect(windowsPipePath('other', 'alice')).not.toBe(path);
    expect(windowsPipePath('orders', 'alice')).toBe(path);
  });
});
