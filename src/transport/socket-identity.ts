/**
 * Which socket file a path names right now, as `dev:ino`. A bound Unix socket holds a
 * reference to its inode, so while a server is bound no other file can take its number: two
 * equal identities are the same live socket, and a replaced file always differs.
 */
import { lstatSync } from 'node:fs';

export function socketIdentity(path: string): string | undefined {
  try {
    const info = lstatSync(path, { bigint: true });
    return info.isSocket() ? `${info.dev}:${info.ino}` : undefined;
  } catch {
    return undefined;
  }
}
