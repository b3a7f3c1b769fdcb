/**
 * The Node flags a worker inherits from this process. Flags about this process's own entry point
 * are dropped: a worker runs loopfleet's bootstrap file, so `-e`/`-p` (whose script would run again
 * in every worker, and start pools of its own) and `--input-type` (refused with a file:
 * ERR_INPUT_TYPE_NOT_ALLOWED) must not reach it, nor `-i` or `-c`.
 */
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '-pe', '--input-type']);
const ALONE = new Set(['-i', '--interactive', '-c', '--check', '-']);

export function inheritedExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const name = flag.startsWith('--') ? flag.split('=', 1)[0] as string : flag;
    if (WITH_VALUE.has(name)) {
      if (name === flag) i++; // its value is the next argument
    } else if (!ALONE.has(flag)) {
      out.push(flag);
    }
  }
  return out;
}

/**
 * The execArgv of a worker thread the user gave none: `undefined` (Node's own inheritance, which
 * never refuses a flag) unless an entry-point flag above had to be dropped. Then the list is
 * explicit, and Node validates it: see `withoutRefused`.
 */
export function threadExecArgv(): string[] | undefined {
  const inherited = inheritedExecArgv();
  return inherited.length === process.execArgv.length ? undefined : inherited;
}

/**
 * A worker thread refuses V8 and per-process flags in an explicit execArgv
 * (ERR_WORKER_INVALID_EXEC_ARGV: `node --max-old-space-size=4096 -e …` must still start pools;
 * those flags apply to the whole process anyway). Returns `execArgv` without the flags the error
 * names (and a flag's separate value), or undefined when it names none of them.
 */
export function withoutRefused(execArgv: readonly string[], err: unknown): string[] | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof e.message !== 'string') return undefined;
  const named = new Set(e.message.slice(e.message.indexOf(': ') + 2).split(', '));
  const out: string[] = [];
  let removed = false;
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string;
    if (!named.has(flag)) {
      out.push(flag);
      continue;
    }
    removed = true;
    const next = execArgv[i + 1];
    if (!flag.includes('=') && next !== undefined && !next.startsWith('-')) i++;
  }
  return removed ? out : undefined;
}
