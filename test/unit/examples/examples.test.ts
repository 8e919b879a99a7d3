/**
 * Smoke test of examples/: each runs as its header says (`node --import tsx <file>`), forks
 * its own processes, and must exit 0 having printed its closing verdict. An example exits 1
 * when what it demonstrates did not hold, so this is also a small end-to-end test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Each example and a line it prints only after every one of its checks passed. */
const EXAMPLES: [file: string, verdict: string][] = [
  ['counter.ts', 'every increment was applied:        yes'],
  ['cluster-config.ts', 'one setting changed anywhere reaches every worker of the cluster'],
  ['failover.ts', 'nothing acknowledged was lost'],
  ['live-object.ts', 'one tick of plain-object writes = one patch = one change event everywhere'],
  ['conditional-stock.ts', 'the condition was judged in order, the same way everywhere'],
  ['single-writer.ts', 'one writer at a time; a dead writer freed the role for the next'],
];

interface Run {
  code: number | null;
  signal: string | null;
  output: string;
}

/**
 * Runs one example; SIGKILLs it (its children exit when it goes) after `timeoutMs`. Its
 * temporary files (sockets, stores) go to a directory of its own, removed afterwards: an
 * example killed on time-out cannot clean up after itself.
 */
async function runExample(file: string, timeoutMs: number): Promise<Run> {
  const scratch = mkdtempSync(join(tmpdir(), 'memsync-example-'));
  try {
    return await runIn(file, timeoutMs, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function runIn(file: string, timeoutMs: number, scratch: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('examples', file)], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe('examples', () => {
  for (const [file, verdict] of EXAMPLES) {
    it(`${file} exits 0 with its checks passed`, async () => {
      const run = await runExample(file, 30_000);
      expect(run, run.output).toMatchObject({ code: 0, signal: null });
      expect(run.output).toContain(verdict);
      expect(run.output).not.toMatch(/^\s*NO\s/m);
    });
  }

  it('demo.ts, piped, prints only what changed and times the election from role events', async () => {
    const run = await runExample('demo.ts', 50_000);
    expect(run, run.output).toMatchObject({ code: 0, signal: null });
    expect(run.output).toContain('replicas agree on the counter:          yes');
    expect(run.output).toContain("acknowledged writes are in the state exactly once: yes");
    expect(run.output).toMatch(/became host \d+\.\d ms after the kill/);
    expect(run.output).toMatch(/own role events: electing at \d+\.\d ms, host at \d+\.\d ms/);
    // No terminal control codes, and not a frame per tick: 4 processes, a few changes each.
    expect(run.output).not.toContain('\x1b[');
    expect(run.output.trim().split('\n').length).toBeLessThan(30);
  });
});
