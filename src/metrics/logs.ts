/**
 * Workers' output and errors, tagged with pool and worker, to the user's logger. Workers' stdout
 * and stderr (console output, and for processes anything written to fds 1 and 2) are read line by
 * line in the parent: stdout lines log at `info`, stderr lines at `error`.
 */
import type { Readable } from 'node:stream';
import { logChannel, workerErrorChannel } from './channels.js';
import type { Logger } from './types.js';

/** The default logger: the console, one line per record, tagged `[loopfleet <pool> worker <n>]`. */
export const consoleLogger: Logger = {
  info: (obj, msg) => console.log(format(obj, msg)),
  warn: (obj, msg) => console.warn(format(obj, msg)),
  error: (obj, msg) => console.error(format(obj, msg)),
};

function format(obj: object, msg: string | undefined): string {
  const o = obj as { pool?: unknown; worker?: unknown; stack?: unknown; err?: unknown };
  let line = o.pool !== undefined ? `[loopfleet ${String(o.pool)} worker ${String(o.worker)}] ${msg ?? ''}` : (msg ?? '');
  if (typeof o.stack === 'string') line += `\n${o.stack}`;
  // The worker's own error, with the worker's stack; the parent-side wrapper's stack says nothing.
  const cause = o.err instanceof Error ? o.err.cause : undefined;
  if (cause instanceof Error && cause.stack !== undefined) line += `\n${cause.stack}`;
  return line;
}

export interface WorkerOutput {
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
}

/** Reads a worker's two output streams into the logger; `drain()` takes what is buffered now. */
export class OutputForwarder {
  readonly #readers: (() => void)[] = [];

  constructor(output: WorkerOutput, logger: Logger, pool: string, worker: number, pid: number) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = output[stream];
      if (readable === null) continue;
      const fields = { pool, worker, pid, stream };
      const log = stream === 'stdout' ? logger.info.bind(logger) : logger.error.bind(logger);
      let partial = '';
      const emit = (line: string): void => {
        log(fields, line);
        if (logChannel.hasSubscribers) logChannel.publish({ ...fields, line });
      };
      // Paused mode with read(): what the stream holds can be taken synchronously (drain), so a
      // crash report never overtakes the lines the worker wrote before it died.
      const read = (): void => {
        for (let chunk = readable.read() as string | null; chunk !== null; chunk = readable.read() as string | null) {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) emit(line);
        }
      };
      readable.setEncoding('utf8');
      readable.on('readable', read);
      readable.on('end', () => {
        read();
        if (partial !== '') emit(partial);
        partial = '';
      });
      this.#readers.push(read);
    }
  }

  drain(): void {
    for (const read of this.#readers) read();
  }
}

/** An uncaught error (or unexpected exit) of a worker, logged with its stack before the worker is replaced. */
export function reportWorkerError(logger: Logger, pool: string, worker: number, pid: number, error: Error): void {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const detail = cause !== undefined && !error.message.includes(cause.message) ? `: ${cause.message}` : '';
  logger.error({ pool, worker, pid, err: error }, `pool ${pool}: ${error.message}${detail}`);
  if (workerErrorChannel.hasSubscribers) workerErrorChannel.publish({ pool, worker, pid, error });
}
