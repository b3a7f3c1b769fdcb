/**
 * `loopfleet worker <module>`: consumes a remote queue with a local pool until SIGTERM/SIGINT,
 * then finishes the jobs it holds and exits 0 (a second signal exits at once, code 130/143).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { RuntimeName } from '../options.js';

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = /^\s*[+]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`Expected an integer >= ${min}, got ${JSON.stringify(value)}.`);
    return n;
  };
}

interface WorkerCommandOptions {
  broker: string;
  queue: string;
  size?: number;
  concurrency?: number;
  runtime: RuntimeName;
  lease?: number;
  maxDeliveries?: number;
  prefix?: string;
  block?: number;
  maxPayload?: number;
}

export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker module for a remote queue (Redis): fetch jobs, run them on a local pool, report results.')
    .argument('<module>', 'worker module (its default export is defineWorker(...))')
    .requiredOption('--broker <url>', 'Redis URL, redis://[:password@]host:port[/db] or rediss:// for TLS (default: $LOOPFLEET_BROKER)', process.env.LOOPFLEET_BROKER)
    .requiredOption('--queue <name>', 'queue name')
    .option('--size <n>', 'workers in the local pool (default: available CPUs)', integer(1))
    .option('--concurrency <n>', 'jobs held at once (default: 2 x size)', integer(1))
    .addOption(new Option('--runtime <runtime>', 'local pool runtime').choices(['thread', 'process']).default('thread'))
    .option('--lease <ms>', 'job lease; renewed every lease/2 while a job runs (default: 30000)', integer(100))
    .option('--max-deliveries <n>', 'deliveries before a job that never completes is dead-lettered (default: 5)', integer(1))
    .option('--prefix <prefix>', 'key prefix (default: lf)')
    .option('--block <ms>', 'longest blocking read (default: 5000)', integer(10))
    .option('--max-payload <bytes>', 'largest argument or result (default: 1048576)', integer(64))
    .action(async (module: string, opts: WorkerCommandOptions) => {
      // Loaded here: the other commands never load ioredis.
      const { RemoteWorker } = await import('../remote/index.js');
      const worker = new RemoteWorker({
        worker: module,
        broker: opts.broker,
        queue: opts.queue,
        size: opts.size,
        concurrency: opts.concurrency,
        runtime: opts.runtime,
        lease: opts.lease,
        maxDeliveries: opts.maxDeliveries,
        prefix: opts.prefix,
        block: opts.block,
        maxPayload: opts.maxPayload,
      });
      let signals = 0;
      let stopRequested: () => void = () => {};
      const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
      const onSignal = (signal: NodeJS.Signals): void => {
        if (++signals > 1) {
          process.stderr.write(`loopfleet worker: second ${signal}, exiting without waiting\n`);
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
        process.stderr.write(`loopfleet worker: ${signal} received\n`);
        stopRequested();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await worker.start();
      await stopping;
      await worker.stop();
    });
}
