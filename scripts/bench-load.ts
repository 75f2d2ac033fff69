/**
 * `npm run -s bench:load`: one date streamed at more than twice what its partition key can take, with
 * throttling on (`local --throttle aws`, AWS's rates divided by BENCH_SCALE so this machine can exceed them),
 * drained, converted, and checked record by record for exactly once (local/exactlyOnce.ts).
 *
 * Capacity comes from the model: the WCU the run was billed on the date's partition key per file (register,
 * mark, manifest, Step Functions updates: everything), against the partition's 1,000 WCU/s / BENCH_SCALE.
 * The offered rate is the files uploaded per second of upload, as fast as this machine uploads (about 25-55
 * files/s on 2 cores: PutObject, the shim's HeadObject and PutRecord); BENCH_SCALE 20 puts the capacity near
 * 22 files/s (50 WCU/s at ~2.3 WCU a file, docs/scale.md). The run fails (exit 1) unless it offered at least twice the
 * capacity and ended exactly once. Prints one JSON object as its last line.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_RATES } from '../local/capacityModel';
import { checkExactlyOnce } from '../local/exactlyOnce';
import { PROJECT_ROOT } from '../local/projectRoot';
import type { RunSummary } from '../local/runSummary';

const FILES = Number(process.env.BENCH_FILES ?? 240);
const SCALE = Number(process.env.BENCH_SCALE ?? 20);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 20);

function runLocal(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'ndjson-parquet.mjs'), 'local', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const limit = AWS_RATES.partitionWcuPerSecond / SCALE;
  const out = await mkdtemp(join(tmpdir(), 'bench-load-out-'));
  const runDir = await mkdtemp(join(tmpdir(), 'bench-load-run-'));
  process.stderr.write(
    `bench:load: ${FILES} files of one date, offered as fast as they upload, against ${limit} WCU/s per partition key\n`,
  );
  const flags = `--generate ${FILES} --dates 1 --records ${RECORDS} --seed bench-load --rate immediate --max-batch-files 100`;
  const run = await runLocal([
    ...`${flags} --batching-window 1 --flush --throttle aws --throttle-scale ${SCALE} --timeout 900 --json`.split(' '),
    ...['--out', out, '--run-dir', runDir],
  ]);
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as RunSummary;
  const date = summary.dates?.[0]?.date ?? '';
  const datePartition = Object.entries(summary.throttle?.wcu_by_partition_key ?? {}).find(([name]) => name.endsWith(`#${date}`));
  const wcuPerFile = (datePartition?.[1] ?? 0) / FILES;
  const capacity = wcuPerFile > 0 ? limit / wcuPerFile : 0;
  const offered = FILES / (summary.wall_ms.upload / 1000);
  const check = await checkExactlyOnce(out);
  const result = {
    offered_files_per_s: round(offered),
    capacity_files_per_s: round(capacity),
    overload: round(capacity > 0 ? offered / capacity : 0),
    throttled_requests: summary.throttle.throttled_requests,
    retries: summary.throttle.retries,
    drain_s: round((summary.wall_ms.total - summary.wall_ms.upload) / 1000),
    files: summary.files_in,
    exactly_once: run.code === 0 && summary.status === 'succeeded' && check.exactly_once,
    scale: SCALE,
    partition_wcu_per_s: limit,
    wcu_per_file: round(wcuPerFile),
    records_in: check.records_in,
    rows_out: check.rows_out,
    redeliveries: summary.runtime.retries,
    lambda_timeouts: summary.runtime.lambda_timeouts,
    batching_s: round(summary.wall_ms.batching / 1000),
    conversion_s: round(summary.wall_ms.conversion / 1000),
    status: summary.status,
    cpus: cpus().length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.exactly_once || result.overload < 2) process.exitCode = 1;
}

await main();
