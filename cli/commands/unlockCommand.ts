import { Command } from 'commander';
import { unlockDate } from '../../operator/operations/unlockDate';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `unlock --date D`: free a stale per-date lock, keeping its fencing token. */

interface UnlockFlags extends TargetFlags {
  date: string;
  force: boolean;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet unlock --local --date 2026-01-30
  $ ndjson-parquet unlock --stack prod --date 2026-01-30 --force
An expired lease is freed at once (any worker could take it anyway; this makes status tidy and says who
held it). A running lease is refused unless --force: its holder may be planning the date. The lock item is
never deleted: its fencing token keeps growing, so a holder that outlived its lease stays fenced out.
${TARGET_HELP}

Exit codes: 0 freed or already free, 1 the lock changed meanwhile, 2 bad flags, 3 pipeline unreachable,
4 no lock ever taken for the date, 5 the lease is still running (use --force).`;

export function unlockCommand(): Command {
  return addTargetOptions(
    new Command('unlock')
      .description("free a date's lock left by a holder that died (only an expired lease, unless --force)")
      .requiredOption('--date <date>', 'date whose lock to free')
      .option('--force', 'free it even though its lease is still running', false)
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: UnlockFlags) => {
      process.exitCode = await withTarget(flags, async (target) => {
        const outcome = await unlockDate(target, flags.date, { force: flags.force, now: () => new Date() });
        if (flags.json) printJson({ target: target.description, ...outcome });
        else if (outcome.outcome === 'already-free') print(`the lock on ${outcome.date} is already free (token ${outcome.before.token})`);
        else {
          const b = outcome.before;
          print(
            `freed the lock on ${outcome.date} (${b.state === 'held' ? 'forced: its lease was still running' : 'its lease had expired'}; owner ${b.owner ?? '?'}, token ${b.token}, lease until ${b.expiresAt})`,
          );
        }
        return 0;
      });
    });
}
