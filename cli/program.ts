import { Command, type CommanderError } from 'commander';
import { costCommand } from './commands/costCommand';
import { dashboardCommand } from './commands/dashboardCommand';
import { dlqCommand } from './commands/dlqCommand';
import { flushCommand } from './commands/flushCommand';
import { generateCommand } from './commands/generateCommand';
import { localCommand } from './commands/localCommand';
import { reconcileCommand } from './commands/reconcileCommand';
import { redriveCommand } from './commands/redriveCommand';
import { reportsCommand } from './commands/reportsCommand';
import { statusCommand } from './commands/statusCommand';
import { traceCommand } from './commands/traceCommand';
import { unlockCommand } from './commands/unlockCommand';

/** The `ndjson-parquet` command line. Subcommands live one per file under commands/; main.ts runs it. */

const OVERVIEW = `
Commands work against a deployed stack (--stack dev|prod, --outputs FILE) or a local pipeline
(--local [DIR] for a running \`local --serve\`, --endpoint URL). Start a local one with:
  $ ndjson-parquet local --serve

Exit codes: 0 ok, 1 the operation failed, 2 bad flags, 3 pipeline unreachable (unknown stack,
no credentials, no local endpoint), 4 no such date/file/manifest, 5 refused as unsafe.`;

export function program(): Command {
  const root = new Command('ndjson-parquet')
    .description('dated NDJSON files in S3 merged into date-partitioned Parquet, exactly once')
    .showHelpAfterError()
    .addHelpText('after', OVERVIEW)
    .addCommand(localCommand())
    .addCommand(generateCommand())
    .addCommand(statusCommand())
    .addCommand(traceCommand())
    .addCommand(reportsCommand())
    .addCommand(redriveCommand())
    .addCommand(flushCommand())
    .addCommand(unlockCommand())
    .addCommand(dlqCommand())
    .addCommand(reconcileCommand())
    .addCommand(dashboardCommand())
    .addCommand(costCommand());
  // Commander exits 1 on a bad flag; scripts should see a usage error (2), and help is not an error.
  for (const command of [root, ...root.commands]) {
    command.showHelpAfterError().exitOverride((error: CommanderError) => {
      throw error;
    });
  }
  return root;
}
