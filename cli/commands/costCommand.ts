import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { PRICES_AS_OF } from '../../contracts/prices';
import { ConfigError } from '../../contracts/stackConfig';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { loadStackConfig } from '../../local/resources';
import { COMPONENTS, type CostEstimate, estimateMonthlyCost } from '../../operator/cost/costModel';
import { costReportJson } from '../../operator/cost/costReport';
import { UsageError } from '../../operator/operatorError';
import { print } from '../output/print';
import { renderTable } from '../output/renderTable';
import { nonNegativeInt, positiveInt } from './numberOptions';

/** `cost --stack S --files-per-day N --file-mb M`: the monthly bill from the stack's config, beside Firehose. */

interface CostFlags {
  stack: string;
  filesPerDay: number;
  fileMb: number;
  recordBytes?: number;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet cost --stack prod --files-per-day 1000000 --file-mb 1
  $ ndjson-parquet cost --stack dev --files-per-day 0 --file-mb 1 --json
Reads Pulumi.<stack>.yaml alone: no deployment, no AWS call, no Pulumi CLI. Prices are the stack's
(ndjson-parquet:pipeline.prices, list prices by default); the usage per file, manifest and invocation is
measured (operator/cost/measuredUsage.ts); docs/cost.md explains each line. --json prints one JSON document on
one line whose keys include total_usd_per_month, firehose_usd_per_month, per_gb_usd, firehose_per_gb_usd, components.

Exit codes: 0 ok, 2 bad flags or an unknown or invalid stack.`;

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

const usd = (value: number) => value.toFixed(2);

function quantity(value: number | string): string {
  if (typeof value === 'string') return value;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

function describe(estimate: CostEstimate, name: (typeof COMPONENTS)[number]): string {
  return Object.entries(estimate.components[name].detail)
    .filter(([, value]) => value !== 0)
    .map(([key, value]) => `${key.replaceAll('_', ' ')} ${quantity(value)}`)
    .join(', ');
}

function table(stack: string, estimate: CostEstimate, atRest: CostEstimate): string {
  const rows = COMPONENTS.map((name) => [name, usd(estimate.components[name].usd), describe(estimate, name)]);
  const { firehose } = estimate;
  const perGb = estimate.perGbUsd === null ? 'nothing flowing' : `$${estimate.perGbUsd.toFixed(4)} per GB`;
  const firehosePerGb = estimate.firehosePerGbUsd === null ? '' : `$${estimate.firehosePerGbUsd.toFixed(4)} per GB`;
  const run = estimate.glueRun.capacity;
  return [
    `Stack ${stack}: ${estimate.volume.filesPerDay.toLocaleString('en-US')} files a day of ${estimate.volume.fileMb} MiB, ${quantity(estimate.gbPerMonth)} GB a month; list prices of ${PRICES_AS_OF}.`,
    run
      ? `Each of ${estimate.manifestsPerDay.toLocaleString('en-US')} manifests a day (${quantity(estimate.glueRun.bytes / 1024 ** 2)} MiB) runs on ${run.numberOfWorkers} x ${run.workerType} ${run.executionClass} for about ${Math.round(estimate.glueRun.estimatedSeconds)} s, billed ${estimate.glueRun.billedDpuSeconds} DPU-seconds.`
      : 'No files, no Glue runs.',
    '',
    renderTable(['component', 'USD/month', 'for'], rows, { footer: ['total', usd(estimate.totalUsdPerMonth), perGb] }),
    '',
    `Firehose with Parquet conversion, same volume: $${usd(firehose.usdPerMonth)} a month ${firehosePerGb ? `(${firehosePerGb})` : ''}: ingestion $${usd(firehose.ingestUsd)}, conversion $${usd(firehose.conversionUsd)}, S3 $${usd(firehose.s3Usd)}.`,
    `  Sent as ${firehose.recordsPerFile} record(s) per file of whole lines, the 5 KB rounding adds ${(firehose.roundingOverhead * 100).toFixed(2)}%; one line per record it would cost $${usd(firehose.naiveOneLinePerRecord.usdPerMonth)}.`,
    `Input files kept in S3 (yours, not in the total): ${quantity(estimate.inputStorage.gbAddedPerMonth)} GB added a month, $${usd(estimate.inputStorage.usdPerMonthKept)} a month for each month kept.`,
    `With nothing flowing this stack costs $${usd(atRest.totalUsdPerMonth)} a month.`,
  ].join('\n');
}

async function stackConfig(stack: string) {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(join(PROJECT_ROOT, `Pulumi.${stack}.yaml`))) {
    throw new UsageError(`unknown stack "${stack}": there is no Pulumi.${stack}.yaml (stacks: dev, prod)`);
  }
  try {
    return await loadStackConfig(stack, PROJECT_ROOT);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export function costCommand(): Command {
  return new Command('cost')
    .description("the stack's monthly bill by component for a volume of files, beside Firehose (no AWS call)")
    .requiredOption('--stack <stack>', 'stack whose Pulumi.<stack>.yaml to price (dev|prod)')
    .requiredOption('--files-per-day <n>', 'input files a day (0: the bill at rest)', nonNegativeInt('--files-per-day'))
    .requiredOption('--file-mb <mb>', 'size of one input file in MiB', positiveNumber('--file-mb'))
    .option(
      '--record-bytes <n>',
      'bytes of one NDJSON line (Firehose packs whole lines per record; default measured 378)',
      positiveInt('--record-bytes'),
    )
    .option('--json', 'print one JSON document', false)
    .addHelpText('after', EXAMPLES)
    .action(async (flags: CostFlags) => {
      const { config, region } = await stackConfig(flags.stack);
      const volume = {
        filesPerDay: flags.filesPerDay,
        fileMb: flags.fileMb,
        ...(flags.recordBytes ? { recordBytes: flags.recordBytes } : {}),
      };
      const estimate = estimateMonthlyCost(config, volume);
      const atRest = estimateMonthlyCost(config, { ...volume, filesPerDay: 0 });
      // One line, so a script reads the last line of stdout as the whole document.
      if (flags.json) print(JSON.stringify(costReportJson({ stack: flags.stack, region, estimate, atRest })));
      else print(table(flags.stack, estimate, atRest));
    });
}
