#!/usr/bin/env node
/**
 * The `memsync` command: a thin client of the public API (one clientOnly peer per call).
 * Parsing is commander's: subcommands, `--help` on each, typed errors we map to our exit
 * codes (exit-codes.ts), all with no dependency of its own.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { classify, EXIT, type ExitCode, errorLine } from './exit-codes.js';
import type { GlobalFlags } from './connect.js';
import { SECRET_ENV, TOKEN_ENV } from './env.js';

// Each subcommand is loaded when it runs: `--help` and usage errors need none of the library.
const commands = {
  ls: () => import('./commands/ls.js'),
  status: () => import('./commands/status.js'),
  get: () => import('./commands/get.js'),
  watch: () => import('./commands/watch.js'),
  patch: () => import('./commands/patch.js'),
  serve: () => import('./commands/serve.js'),
};

function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return value;
  };
}

const EXIT_HELP = `
Exit status:
  0  done
  1  the answer is no: patch/load ordered but not applied; get found no value at the path
  2  usage: unknown subcommand or option, missing argument, input that is not JSON
  3  no such mesh: no socket, a stale socket (its host is dead), nothing on the TCP port
  4  invalid update: refused before it was sent (operator, reserved key, path, limit)
  5  anything else: join timed out, authentication refused, connection lost
Every failure prints one line on stderr: memsync: <CODE>: <message>

Environment:
  ${SECRET_ENV}      the mesh's shared secret (never a flag: flags show in ps)
  ${TOKEN_ENV}  the token HTTP clients of 'serve' must present
  NODE_DEBUG=memsync  diagnostics on stderr`;

export function program(run: (code: ExitCode) => void): Command {
  const cli = new Command('memsync')
    .description('Look inside and operate memsync meshes of this user.')
    .option('--dir <dir>', 'socket directory (default: $XDG_RUNTIME_DIR/memsync or <tmpdir>/memsync-<uid>)')
    .option('--path <socket>', 'socket file of the mesh, instead of the default one')
    .option('--tcp <host:port>', 'the mesh listens on TCP')
    .option('--tls-key <file>', 'with --tcp: TLS key (PEM)')
    .option('--tls-cert <file>', 'with --tcp: TLS certificate (PEM)')
    .option('--tls-ca <file>', 'with --tcp: authority of the host certificate (PEM)')
    .option('--timeout <ms>', 'how long joining the mesh may take', integer(1, 600_000), 5000)
    .addHelpText('after', EXIT_HELP)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ outputError: () => undefined }); // our one stderr line replaces commander's
  const flags = (command: Command): GlobalFlags => command.optsWithGlobals<GlobalFlags>();
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<ExitCode>) =>
    async (...args: A): Promise<void> =>
      run(await fn(...args));

  cli
    .command('ls')
    .description('meshes of this user: name (where known), state (live or stale), socket')
    .option('--json', 'JSON even in a terminal (the default when piped)')
    .action(act(async (options: { json?: boolean }, command: Command) => (await commands.ls()).ls(flags(command), options)));
  cli
    .command('status')
    .description('the host, epoch, version and every member with its role')
    .argument('<name>', 'mesh name')
    .option('--json', 'JSON even in a terminal (the default when piped)')
    .action(act(async (name: string, options: { json?: boolean }, command: Command) => (await commands.status()).status(name, flags(command), options)));
  cli
    .command('get')
    .description('the value at a dotted path (the whole state without one) as JSON; exit 1 if none')
    .argument('<name>', 'mesh name')
    .argument('[path]', 'dotted path, e.g. config.mode')
    .option('--pretty', 'indent (the default in a terminal)')
    .option('--no-pretty', 'one line (the default when piped)')
    .action(
      act(async (name: string, path: string | undefined, options: { pretty?: boolean }, command: Command) =>
        (await commands.get()).get(name, path, flags(command), options),
      ),
    );
  cli
    .command('watch')
    .description('the value at path, then each ordered change of it: NDJSON when piped, a live view in a terminal')
    .argument('<name>', 'mesh name')
    .argument('[path]', 'dotted path (the whole state without one)')
    .option('--count <n>', 'exit after n changes', integer(0, Number.MAX_SAFE_INTEGER))
    .action(
      act(async (name: string, path: string | undefined, options: { count?: number }, command: Command) =>
        (await commands.watch()).watch(name, path, flags(command), options),
      ),
    );
  cli
    .command('patch')
    .description("apply a MongoDB-style update; prints the PatchResult, exit 1 if not applied")
    .argument('<name>', 'mesh name')
    .argument('<update>', `update document, e.g. '{"$inc":{"hits":1}}'`)
    .option('--if <query>', 'condition judged on the ordered state (mingo query)')
    .option('--array-filters <filters>', 'JSON array of filters for $[id] segments')
    .action(
      act(async (name: string, update: string, options: { if?: string; arrayFilters?: string }, command: Command) =>
        (await commands.patch()).patch(name, update, flags(command), options),
      ),
    );
  cli
    .command('dump')
    .description('the whole state as JSON (memsync dump <name> > state.json)')
    .argument('<name>', 'mesh name')
    .option('--pretty', 'indent')
    .action(act(async (name: string, options: { pretty?: boolean }, command: Command) => (await commands.get()).dump(name, flags(command), options)));
  cli
    .command('load')
    .description('replace the whole state with the JSON object on stdin, in one patch')
    .argument('<name>', 'mesh name')
    .action(act(async (name: string, _options: object, command: Command) => (await commands.patch()).load(name, flags(command))));
  cli
    .command('serve')
    .description('the HTTP API and the live web view of a mesh')
    .argument('<name>', 'mesh name')
    .option('--port <port>', 'TCP port (0: any free one)', integer(0, 65535), 8080)
    .addOption(new Option('--host <host>', `interface to listen on; beyond loopback needs ${TOKEN_ENV}`).default('127.0.0.1'))
    .action(
      act(async (name: string, options: { port: number; host: string }, command: Command) => (await commands.serve()).serve(name, flags(command), options)),
    );
  for (const sub of cli.commands) sub.addHelpText('after', EXIT_HELP);
  return cli;
}

async function main(argv: string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.OK;
  const cli = program((c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      cli.outputHelp();
      return EXIT.USAGE;
    }
    await cli.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end the parse with exit code 0 through the same path.
      if (error.exitCode === 0) return EXIT.OK;
      process.stderr.write(errorLine('ERR_USAGE', error.message.replace(/^error: /, '')));
      return EXIT.USAGE;
    }
    const { code: errCode, message, exit } = classify(error);
    process.stderr.write(errorLine(errCode, message));
    return exit;
  }
}

// An explicit exit: a socket a dependency keeps open must not keep a finished command alive.
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(errorLine('ERR_INTERNAL', String(error)));
    process.exit(EXIT.FAILED);
  },
);
