/** Command-line flags of `npm run bench`. */
export interface BenchArgs {
  /** Fewer runs and smaller workloads: the whole suite in under a minute. */
  quick: boolean;
  /** Print one JSON document instead of the tables. */
  json: boolean;
  /** Rewrite BENCHMARKS.md and bench/throughput.svg with this run's figures. */
  write: boolean;
  /** Run only these scenarios (by id); all when empty. */
  only: string[];
  /** Write a V8 CPU profile of every worker into this directory. */
  profileDir: string | undefined;
  /** Runs per figure; overrides the default of the mode. */
  runs: number | undefined;
  /** Leave Redis out (no redis-server on this machine). */
  noRedis: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--write] [--only=id,id] [--runs=N] [--profile=DIR]
  --quick        3 runs per figure, smaller workloads (under a minute)
  --json         machine-readable output on stdout
  --write        rewrite BENCHMARKS.md and bench/throughput.svg
  --only=ids     run only these scenarios
  --runs=N       runs per figure (default: 3 quick, 5 full)
  --profile=DIR  run every worker with --cpu-prof, profiles in DIR
  --no-redis     leave out the Redis rows (they need redis-server on PATH)`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    quick: false,
    json: false,
    write: false,
    only: [],
    profileDir: undefined,
    runs: undefined,
    noRedis: false,
  };
  for (const arg of argv) {
    const [flag, value] = splitFlag(arg);
    if (flag === '--quick') args.quick = true;
    else if (flag === '--json') args.json = true;
    else if (flag === '--write') args.write = true;
    else if (flag === '--only' && value) args.only = value.split(',').filter(Boolean);
    else if (flag === '--no-redis') args.noRedis = true;
    else if (flag === '--profile' && value) args.profileDir = value;
    else if (flag === '--runs' && value && /^[1-9][0-9]*$/.test(value)) args.runs = Number(value);
    else throw new Error(`unknown or incomplete flag '${arg}'\n${USAGE}`);
  }
  return args;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}
