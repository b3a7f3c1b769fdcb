/**
 * Capturing where a busy JavaScript thread is, through the inspector protocol: `Debugger.pause`
 * is delivered to the target by a V8 interrupt, so it works while the target's event loop is
 * blocked in a synchronous loop (this is how DevTools pauses a hung page). Both runtimes use this
 * core: the parent drives it for a thread worker over `NodeWorker` sessions (stack.ts), and a
 * process worker's own watchdog thread drives it over `connectToMainThread` (worker/stack-thread.ts).
 */

/** Sends one inspector command and resolves with its result. */
export type Post = (method: string, params?: object) => Promise<unknown>;

interface CallFrame {
  readonly functionName: string;
  readonly url?: string;
  readonly location: { readonly scriptId: string; readonly lineNumber: number; readonly columnNumber?: number };
}

/**
 * Pauses the target, formats its stack like `Error.stack` frames, and resumes it. `events` must
 * be fed every inspector event of the session. Resolves undefined when the target did not pause
 * within `timeoutMs` (an idle loop pauses only when JavaScript next runs).
 */
export async function captureStack(post: Post, events: { on(listener: (method: string, params: unknown) => void): void }, timeoutMs: number): Promise<string | undefined> {
  const scripts = new Map<string, string>();
  let paused!: (frames: readonly CallFrame[]) => void;
  const pausedP = new Promise<readonly CallFrame[]>((resolve) => (paused = resolve));
  events.on((method, params) => {
    if (method === 'Debugger.scriptParsed') {
      const p = params as { scriptId: string; url: string };
      scripts.set(p.scriptId, p.url);
    } else if (method === 'Debugger.paused') {
      paused((params as { callFrames: CallFrame[] }).callFrames);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  try {
    await post('Debugger.enable');
    await post('Debugger.pause');
    const frames = await Promise.race([pausedP, timeout]);
    return frames === undefined ? undefined : format(frames, scripts);
  } finally {
    clearTimeout(timer);
    // Resume even after a timeout: a pause still pending would stop the target later.
    await post('Debugger.resume').catch(() => {});
    await post('Debugger.disable').catch(() => {});
  }
}

function format(frames: readonly CallFrame[], scripts: ReadonlyMap<string, string>): string {
  return frames
    .map((f) => {
      const url = f.url !== undefined && f.url !== '' ? f.url : (scripts.get(f.location.scriptId) ?? '<anonymous>');
      const at = `${url}:${f.location.lineNumber + 1}:${(f.location.columnNumber ?? 0) + 1}`;
      return `    at ${f.functionName !== '' ? `${f.functionName} (${at})` : at}`;
    })
    .join('\n');
}
