import { Command } from 'commander';
import { localCommand } from './localCommand';

/** The `ndjson-parquet` command line. Subcommands live one per file beside this one. */

export function program(): Command {
  return new Command('ndjson-parquet')
    .description('dated NDJSON files in S3 merged into date-partitioned Parquet, exactly once')
    .showHelpAfterError()
    .addCommand(localCommand());
}

// Exit through process.exit on an interrupt so the 'exit' hooks of the emulator and the Glue worker run and
// no moto server or Spark JVM outlives the command.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

try {
  await program().parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
