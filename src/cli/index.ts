#!/usr/bin/env node
/**
 * The `loopfleet` command. Exit codes: 0 success, 1 failure while running, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addMandelbrotCommand, OutputError } from './mandelbrot.js';
import { addDashboardCommand } from './dashboard.js';
import { PortInUseError } from '../index.js';
import { addWorkerCommand } from './worker.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

// dist/cli/index.js -> package.json at the package root.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('loopfleet')
  .description('loopfleet: a pool of Node.js workers, each running its own event loop.')
  .version(version)
  .showHelpAfterError('(add --help for usage)')
  // Throw instead of exiting, so that usage errors exit with EXIT_USAGE; subcommands inherit it.
  .exitOverride();
addMandelbrotCommand(program);
addDashboardCommand(program);
addWorkerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed the message (or the help, or the version).
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    // Failures the user can fix are reported without a stack.
    const plain = err instanceof OutputError || err instanceof PortInUseError;
    process.stderr.write(`loopfleet: ${err instanceof Error ? (plain ? err.message : (err.stack ?? err.message)) : String(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
