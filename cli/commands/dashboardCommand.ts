import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { startDashboardServer } from '../../dashboard/dashboardServer';
import { collectSnapshot } from '../../dashboard/dashboardSnapshot';
import { renderDashboard } from '../../dashboard/renderDashboard';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print } from '../output/print';
import { positiveInt } from './numberOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `dashboard`: the pipeline's dashboard as a local web page, from the tracking table and the reports. */

interface DashboardFlags extends TargetFlags {
  port: number;
  days: number;
  refresh: number;
  snapshot?: string;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet dashboard --stack prod                 # http://127.0.0.1:8080/
  $ ndjson-parquet dashboard --local --port 9000
  $ ndjson-parquet dashboard --stack dev --snapshot dev.html   # write the page once and exit
\`local --serve\` already serves this page for its own pipeline (see its output for the URL).
The page is served on 127.0.0.1 only; /api/snapshot has the same data as JSON.
${TARGET_HELP}

Exit codes: 0 stopped or snapshot written, 2 bad flags, 3 pipeline unreachable.`;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port must be an integer 0-65535 (0: any free port)');
  return n;
}

export function dashboardCommand(): Command {
  return addTargetOptions(
    new Command('dashboard')
      .description(
        'serve the dashboard (per-date progress, files and bytes over time, manifests, Glue run time and compression, quarantine and rejects) on 127.0.0.1',
      )
      .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', port, 8080)
      .option('--days <n>', 'the most recent n dates', positiveInt('--days'), 14)
      .option('--refresh <seconds>', 'page refresh interval', positiveInt('--refresh'), 10)
      .option('--snapshot <file>', 'write the page to FILE once and exit instead of serving it'),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: DashboardFlags) => {
      process.exitCode = await withTarget(flags, async (target) => {
        if (flags.snapshot) {
          const snapshot = await collectSnapshot(target, { days: flags.days, reportLimit: 300, now: new Date() });
          await writeFile(flags.snapshot, renderDashboard(snapshot, { refreshSeconds: flags.refresh }));
          print(`wrote ${flags.snapshot}`);
          return 0;
        }
        // Reach the pipeline once before serving, so a wrong stack or missing credentials fail here (exit 3).
        await collectSnapshot(target, { days: 1, reportLimit: 1, now: new Date() });
        const server = await startDashboardServer({
          target,
          host: '127.0.0.1',
          port: flags.port,
          refreshSeconds: flags.refresh,
          days: flags.days,
        });
        print(`dashboard of ${target.description}: ${server.url} (Ctrl-C to stop)`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
        return 0;
      });
    });
}
