/**
 * `npm run bench:batcher`: DynamoDB requests (and consumed capacity) per file through the real batcher
 * handler against the emulator, with a date backlog of 100 and of 10,000 pending files. Invariant 6 says
 * the per-file cost must not grow with the backlog (the seed re-queried every pending file on every call).
 * Prints one JSON object as its last line.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { MemoryMetricsSink } from '../handlers/adapters/memoryMetricsSink';
import { createBatcherHandler } from '../handlers/batcher';
import { createDepsFactory } from '../handlers/batchingDeps';
import { silentLog } from '../handlers/services/deps';
import { flushDate } from '../handlers/services/flushDate';
import type { TrackedFile } from '../handlers/services/ports';
import { registerFiles } from '../handlers/services/registerFiles';
import { startEmulator } from '../local/emulator';
import { lambdaContext } from '../local/lambdaContext';
import { createLocalClients } from '../local/localClients';
import { countDynamoRequests } from '../local/requestCounter';
import { createLocalResources, loadStackConfig, localRuntimeConfig } from '../local/resources';
import { objectCreatedEvent } from '../local/s3EventShim';
import { lambdaKinesisRecord } from '../local/shardPoller';

const DATE = new Date().toISOString().slice(0, 10);
const MEASURED_FILES = Number(process.env.BENCH_FILES ?? 500);
const BATCH_SIZE = 100;

interface Measurement {
  backlog: number;
  requestsPerFile: number;
  capacityPerFile: number;
  filesPerSecond: number;
  planRequestsPerFile: number;
}

async function measure(endpoint: string, backlog: number): Promise<Measurement> {
  const loaded = await loadStackConfig('dev');
  const clients = createLocalClients(endpoint, loaded.region);
  const resources = await createLocalResources(clients, loaded, `bench${backlog}-${randomUUID().slice(0, 6)}`);
  // Thresholds above the backlog: the measured invocations register and check the window, as a busy
  // date below its threshold does; the flush at the end is measured on its own.
  const config = localRuntimeConfig(resources, loaded.config, {
    maxBatchFiles: 1_000_000,
    maxBatchBytes: 1024 ** 5,
    maxWaitSeconds: 86_400,
  });
  const overrides = { config, clients, metrics: new MemoryMetricsSink(), log: silentLog };
  const deps = createDepsFactory(overrides)('bench');

  const backlogFiles: TrackedFile[] = Array.from({ length: backlog }, (_, i) => ({
    date: DATE,
    key: `pipeline/input/${DATE}-backlog${String(i).padStart(6, '0')}.ndjson`,
    bucket: config.inputBucket,
    sizeBytes: 1024,
    createdAt: new Date().toISOString(),
  }));
  await registerFiles(deps.tracking, DATE, backlogFiles, new Date());

  const events = [];
  for (let i = 0; i < MEASURED_FILES; i++) {
    const key = `pipeline/input/${DATE}-measured${String(i).padStart(6, '0')}.ndjson`;
    const put = await clients.s3.send(new PutObjectCommand({ Bucket: config.inputBucket, Key: key, Body: '{"n":1}\n' }));
    events.push(
      objectCreatedEvent({
        bucket: config.inputBucket,
        key,
        size: 8,
        etag: put.ETag ?? '',
        requestId: randomUUID(),
        reason: 'PutObject',
        region: loaded.region,
        account: '123456789012',
        at: new Date(),
      }),
    );
  }

  const counter = countDynamoRequests(clients.dynamoRaw);
  const handler = createBatcherHandler(overrides);
  const identity = { functionName: 'bench-batcher', memoryMb: 512, timeoutSeconds: 120, region: loaded.region, account: '123456789012' };
  const started = performance.now();
  for (let i = 0; i < events.length; i += BATCH_SIZE) {
    const records = events.slice(i, i + BATCH_SIZE).map((event, j) =>
      lambdaKinesisRecord(
        {
          Data: Buffer.from(JSON.stringify(event)),
          PartitionKey: event.detail.object.key,
          SequenceNumber: String(1e9 + i + j),
          ApproximateArrivalTimestamp: new Date(),
        },
        {
          shardId: 'shardId-000000000000',
          streamArn: resources.streamArn,
          region: loaded.region,
          invokeIdentityArn: 'arn:aws:iam::123456789012:role/bench',
        },
      ),
    );
    const response = await handler({ Records: records }, lambdaContext(identity));
    if (response.batchItemFailures.length > 0)
      throw new Error(`benchmark invocation reported ${response.batchItemFailures.length} failures`);
  }
  const seconds = (performance.now() - started) / 1000;
  const ingest = { ...counter.counts };

  counter.reset();
  const flushed = await flushDate(deps, DATE, { force: true });
  const manifestedFiles = flushed.manifests.reduce((sum, m) => sum + m.file_count, 0);

  return {
    backlog,
    requestsPerFile: ingest.requests / MEASURED_FILES,
    capacityPerFile: ingest.capacityUnits / MEASURED_FILES,
    filesPerSecond: MEASURED_FILES / seconds,
    planRequestsPerFile: counter.counts.requests / Math.max(1, manifestedFiles),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

const emulator = await startEmulator();
try {
  const small = await measure(emulator.endpoint, 100);
  const large = await measure(emulator.endpoint, 10_000);
  for (const m of [small, large]) {
    console.error(
      `backlog ${m.backlog}: ${round(m.requestsPerFile)} DynamoDB requests/file, ${round(m.capacityPerFile)} capacity units/file, ${round(m.filesPerSecond)} files/s; flush ${round(m.planRequestsPerFile)} requests/file manifested`,
    );
  }
  console.log(
    JSON.stringify({
      requests_per_file_100: round(small.requestsPerFile),
      requests_per_file_10000: round(large.requestsPerFile),
      ratio: round(large.requestsPerFile / small.requestsPerFile),
      capacity_units_per_file_100: round(small.capacityPerFile),
      capacity_units_per_file_10000: round(large.capacityPerFile),
      files_per_s: round((small.filesPerSecond + large.filesPerSecond) / 2),
      files_per_s_100: round(small.filesPerSecond),
      files_per_s_10000: round(large.filesPerSecond),
      flush_requests_per_file_100: round(small.planRequestsPerFile),
      flush_requests_per_file_10000: round(large.planRequestsPerFile),
      measured_files: MEASURED_FILES,
      batch_size: BATCH_SIZE,
      cores: cpus().length,
      date: new Date().toISOString().slice(0, 10),
    }),
  );
} finally {
  await emulator.stop();
}
