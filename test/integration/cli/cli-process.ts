/**
 * Runs the real `memsync` bin (src/cli/main.ts, bundled once per test file) as a child
 * process. Every child is bounded in time and killed by its pid when a test ends, passed
 * or failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { RUN_DIR } from '../../support/run-dir.js';

const OUT_DIR = join(RUN_DIR, `memsync-cli-${process.pid}`);
let bundled: Promise<string> | undefined;

/**
 * The CLI bundled on first use, split at its dynamic imports as the real build (tsc) keeps
 * them: `--help` and usage errors then load no more than the published bin does.
 */
export function cliPath(): Promise<string> {
  bundled ??= build({
    entryPoints: { main: join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'main.ts') },
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  }).then(() => join(OUT_DIR, 'main.mjs'));
  return bundled;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of a CLI child: ours without any memsync variable the test did not ask for. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MEMSYNC_SECRET;
  delete env.MEMSYNC_HTTP_TOKEN;
  delete env.NODE_DEBUG;
  return { ...env, ...extra };
}

/** Starts `memsync ...args`; the caller must `stop()` it (LiveCli does, see below). */
export async function spawnCli(args: string[], env: Record<string, string> = {}): Promise<LiveCli> {
  const child = spawn(process.execPath, [await cliPath(), ...args], {
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid) appendFileSync(join(RUN_DIR, 'pids.txt'), `${child.pid}\n`);
  return new LiveCli(child);
}

/** Runs `memsync ...args` to its end (killed past `timeoutMs`), feeding `input` on stdin. */
export async function runCli(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const live = await spawnCli(args, options.env);
  live.child.stdin?.end(options.input ?? '');
  try {
    return await live.exited(options.timeoutMs ?? 20_000);
  } finally {
    live.stop();
  }
}

/** A CLI process still running (watch, serve): its output so far, and waits on it. */
export class LiveCli {
  stdout = '';
  stderr = '';
  private code: number | null | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly exit: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      this.notify();
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      this.notify();
    });
    this.exit = new Promise((resolve) =>
      child.once('close', (code) => {
        this.code = code;
        this.notify();
        resolve();
      }),
    );
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }

  /** Resolves once `probe` holds on the output; rejects on timeout or exit first. */
  until(probe: (self: LiveCli) => boolean, timeoutMs = 20_000, what = 'output'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (probe(this)) finish(resolve);
        else if (this.code !== undefined) finish(() => reject(new Error(`cli exited (${this.code}) before ${what}; stderr: ${this.stderr}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${what} not seen in ${timeoutMs} ms; stdout: ${this.stdout}; stderr: ${this.stderr}`))),
        timeoutMs,
      );
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        then();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves with the result once the process ends; kills it past `timeoutMs` and rejects. */
  async exited(timeoutMs = 20_000): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.stop();
        reject(new Error(`cli did not exit in ${timeoutMs} ms; stdout: ${this.stdout}; stderr: ${this.stderr}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.exit, late]);
    } finally {
      clearTimeout(timer);
    }
    return { code: this.code ?? null, stdout: this.stdout, stderr: this.stderr };
  }

  /** Sends a signal (SIGINT to end a watch or serve the way a user would). */
  signal(signal: NodeJS.Signals): void {
    if (this.code === undefined) this.child.kill(signal);
  }

  /** SIGKILL if still running. */
  stop(): void {
    if (this.code === undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
