/**
 * The Node flags a worker inherits from this process. Flags that only apply to string input
 * (`node --input-type=module -e …`) are dropped: a worker runs a file, and Node refuses to start
 * one with them (ERR_INPUT_TYPE_NOT_ALLOWED).
 */
export function inheritedExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--input-type') i++; // its value is the next argument
    else if (!flag.startsWith('--input-type=')) out.push(flag);
  }
  return out;
}
