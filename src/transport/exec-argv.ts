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
