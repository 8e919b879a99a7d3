/**
 * Waiting for a Unix socket's name to change hands, instead of sleeping blind between the
 * attempts of an election.
 *
 * After a host dies its members back off between attempts (1-2 ms, then 2-4, 4-8, ...) while
 * one of them takes the address over. A member asleep when the new host binds finds it only
 * when it wakes, and the new host orders nothing until every previous member is back: the
 * last sleeper's nap was the outage every writer saw. The directory's change notices
 * (inotify, kqueue) say at once when the name is removed or created; a wait ends on either,
 * or on its timer, whichever is first.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { AddressWatch } from './types.js';

/**
 * Watches `path`'s name from now on. `changed(ms)` resolves at the first create or remove
 * of the name since the watch began or since the last `changed` resolved, or after `ms`;
 * `onChange` is called at each. Where the directory cannot be watched (no inotify watches
 * left, say), it is the timer alone.
 */
export function watchPath(path: string, onChange?: () => void): AddressWatch {
  const name = basename(path);
  let seen = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    // Not persistent: a watch never keeps a process alive.
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file.toString() !== name) return;
      seen = true;
      wake?.();
      onChange?.();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  return {
    changed(ms) {
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          wake = undefined;
          seen = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        if (seen) done();
        else wake = done;
      });
    },
    close() {
      wake?.();
      watcher?.close();
      watcher = undefined;
    },
  };
}
