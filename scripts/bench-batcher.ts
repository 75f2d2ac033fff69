/**
 * `npm run bench:batcher`: DynamoDB requests and capacity per file through the real batcher handler against
 * the emulator, with a date backlog of 100 and of 10,000 pending files. Invariant 6 says the per-file
 * request count must not grow with the backlog (the seed re-queried every pending file on every call).
 *
 * Capacity is what DynamoDB would bill (local/capacityAccountant.ts) over a file's whole life on its date:
 * its registration (the measured invocations), the flush that manifests it (planning, commit, marking) and
 * the state machine's writes per manifest (MarkProcessing and MarkCompleted on the MANIFEST item). The
 * executions the flush starts are not run by moto, so the bench runs those two DynamoDB tasks itself: their
 * Parameters from the definition (handlers/orchestration/stateMachineDefinition.ts), resolved against each
 * execution's input as Step Functions would, sent through the accounted client. A date's throughput is
 * bounded by its one partition key and by its most-written item (1,000 WCU/s each:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html), hence
 * `ceiling_files_per_s_per_date`. Prints one JSON object as its last line.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { parseSortKey, SORT_KEY_PREFIX } from '../contracts/trackingSchema';
import { MemoryMetricsSink } from '../handlers/adapters/memoryMetricsSink';
import { createBatcherHandler } from '../handlers/batcher';
import { createDepsFactory } from '../handlers/batchingDeps';
import { glueRunCapacity } from '../handlers/orchestration/glueCapacity';
import { capacityResult, stateMachineDefinition } from '../handlers/orchestration/stateMachineDefinition';
import { silentLog } from '../handlers/services/deps';
import { flushDate } from '../handlers/services/flushDate';
import type { TrackedFile } from '../handlers/services/ports';
import { registerFiles } from '../handlers/services/registerFiles';
import { accountLocalCapacity, chargedItem, totalUnits, unitsBy } from '../local/capacityAccountant';
import { AWS_RATES } from '../local/capacityModel';
import type { Charge } from '../local/dynamoBilling';
import { startEmulator } from '../local/emulator';
import { lambdaContext } from '../local/lambdaContext';
import { createLocalClients } from '../local/localClients';
import { countDynamoRequests } from '../local/requestCounter';
import { createLocalResources, type LocalResources, loadStackConfig, localRuntimeConfig } from '../local/resources';
import { objectCreatedEvent } from '../local/s3EventShim';
import { lambdaKinesisRecord } from '../local/shardPoller';

const DATE = new Date().toISOString().slice(0, 10);
const MEASURED_FILES = Number(process.env.BENCH_FILES ?? 500);
const BATCH_SIZE = 100;

interface Measurement {
  backlog: number;
  requestsPerFile: number;
  filesPerSecond: number;
  planRequestsPerFile: number;
  capacity: CapacityFigures;
  manifests: number;
}

/** What a file's life on its date consumed, per file: registration per file registered, the rest per file manifested. */
interface Phases {
  register: Charge[];
  flush: Charge[];
  stateMachine: Charge[];
  registeredFiles: number;
  manifestedFiles: number;
  manifests: number;
}

interface CapacityFigures {
  wcuPerFile: number;
  rcuPerFile: number;
  partitionWcuPerFile: number;
  hotItemWcuPerFile: number;
  hotItem: string;
  ceilingFilesPerSecondPerDate: number;
  partitionWcuByKind: Record<string, number>;
  partitionWcuByPhase: Record<string, number>;
  wcuByKind: Record<string, number>;
  rcuByOperation: Record<string, number>;
  stateMachineWcuPerManifest: number;
}

/**
 * The kind of item a charge lands on: an index's entries by index, PENDING markers wherever they are
 * (their own `PENDING#<date>#<shard>` partitions, or the date's own for markers written before the
 * sharding), otherwise the kind the sort key names. A Query reads a range, not an item.
 */
function kindOf(charge: Charge): string {
  if (charge.index) return `${charge.index}_index`;
  if (charge.partition.startsWith(SORT_KEY_PREFIX.pending)) return 'pending';
  if (charge.item === undefined) return charge.operation.toLowerCase();
  return parseSortKey(charge.item)?.kind ?? 'unknown';
}

function capacityFigures(phases: Phases, date: string): CapacityFigures {
  const weighted = (pick: (charges: Charge[]) => Map<string, number>) => {
    const sums = new Map<string, number>();
    const add = (charges: Charge[], files: number) => {
      for (const [name, units] of pick(charges)) sums.set(name, (sums.get(name) ?? 0) + units / Math.max(1, files));
    };
    add(phases.register, phases.registeredFiles);
    add([...phases.flush, ...phases.stateMachine], phases.manifestedFiles);
    return sums;
  };
  const writes = (charges: Charge[]) => charges.filter((c) => c.capacity === 'write');
  const onDate = (charges: Charge[]) => writes(charges).filter((c) => !c.index && c.partition === date);
  const one = (pick: (charges: Charge[]) => number) => weighted((charges) => new Map([['all', pick(charges)]])).get('all') ?? 0;
  // Named without the (per-run) table: `<partition key>#<sort key>`, an index's entries prefixed by the index.
  const itemName = (c: Charge) => (chargedItem(c) === null ? null : `${c.index ? `${c.index}:` : ''}${c.partition}#${c.item}`);
  const items = [...weighted((charges) => unitsBy(writes(charges), itemName))].sort((a, b) => b[1] - a[1]);
  const [hotItem = 'none', hotItemWcuPerFile = 0] = items[0] ?? [];
  const partitionWcuPerFile = one((charges) => totalUnits(onDate(charges), 'write'));
  const perPhase = (charges: Charge[], files: number) => round(totalUnits(onDate(charges), 'write') / Math.max(1, files));
  // Four decimals: a manifest's or a lock's share of a file is a few ten-thousandths.
  const record = (sums: Map<string, number>) =>
    Object.fromEntries([...sums].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v * 10_000) / 10_000]));
  return {
    wcuPerFile: one((charges) => totalUnits(charges, 'write')),
    rcuPerFile: one((charges) => totalUnits(charges, 'read')),
    partitionWcuPerFile,
    hotItemWcuPerFile,
    hotItem,
    ceilingFilesPerSecondPerDate: AWS_RATES.partitionWcuPerSecond / Math.max(partitionWcuPerFile, hotItemWcuPerFile),
    partitionWcuByKind: record(weighted((charges) => unitsBy(onDate(charges), kindOf))),
    partitionWcuByPhase: {
      register: perPhase(phases.register, phases.registeredFiles),
      flush: perPhase(phases.flush, phases.manifestedFiles),
      state_machine: perPhase(phases.stateMachine, phases.manifestedFiles),
    },
    wcuByKind: record(weighted((charges) => unitsBy(writes(charges), kindOf))),
    rcuByOperation: record(weighted((charges) => unitsBy(charges, (c) => (c.capacity === 'read' ? c.operation : null)))),
    stateMachineWcuPerManifest: totalUnits(phases.stateMachine, 'write') / Math.max(1, phases.manifests),
  };
}

/** A state's Parameters with every `<field>.$` path resolved, as Step Functions resolves them ($ the state, $$ the context). */
function resolveParameters(template: unknown, state: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((v) => resolveParameters(v, state, context));
  if (!template || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([name, value]) => {
      if (!name.endsWith('.$')) return [name, resolveParameters(value, state, context)];
      const path = String(value);
      const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [state, path.slice(1)];
      const resolved = rest
        .split('.')
        .filter(Boolean)
        .reduce<unknown>((at, step) => (at as Record<string, unknown> | undefined)?.[step], root);
      if (resolved === undefined) throw new Error(`benchmark: the state machine path ${path} resolves to nothing`);
      return [name.slice(0, -2), resolved];
    }),
  );
}

/** The DynamoDB writes a successful execution makes per manifest: its MarkProcessing and MarkCompleted tasks. */
async function runManifestTasks(clients: ReturnType<typeof createLocalClients>, resources: LocalResources): Promise<number> {
  const states = stateMachineDefinition({
    tableName: resources.tableName,
    glueJobName: resources.glueJobName,
    glueRunRetries: resources.glueRunRetries,
    glueSizing: resources.glueSizing,
  }).States as Record<string, { Parameters?: unknown }>;
  const listed = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: resources.stateMachineArn }));
  for (const execution of listed.executions ?? []) {
    const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    const input = JSON.parse(described.input ?? '{}') as { total_bytes: number };
    const state = {
      ...input,
      capacity: capacityResult(glueRunCapacity(input.total_bytes, resources.glueSizing)),
      glue: { JobRunId: 'jr_benchmark', JobRunState: 'SUCCEEDED' },
    };
    for (const task of ['MarkProcessing', 'MarkCompleted']) {
      const context = { Execution: { Id: execution.executionArn }, State: { EnteredTime: new Date().toISOString() } };
      const parameters = resolveParameters(states[task]?.Parameters, state, context) as UpdateItemCommandInput;
      await clients.dynamoRaw.send(new UpdateItemCommand(parameters));
    }
  }
  return listed.executions?.length ?? 0;
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
  const { accountant, close } = accountLocalCapacity(clients.dynamoRaw, endpoint, loaded.region);
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
  const register = accountant.take();

  counter.reset();
  const flushed = await flushDate(deps, DATE, { force: true });
  const manifestedFiles = flushed.manifests.reduce((sum, m) => sum + m.file_count, 0);
  const flushRequests = counter.counts.requests;
  const flush = accountant.take();
  const executions = await runManifestTasks(clients, resources);
  if (executions !== flushed.manifests.length)
    throw new Error(`benchmark: ${flushed.manifests.length} manifests committed, ${executions} executions started`);
  const stateMachine = accountant.take();
  close();

  return {
    backlog,
    requestsPerFile: ingest.requests / MEASURED_FILES,
    filesPerSecond: MEASURED_FILES / seconds,
    planRequestsPerFile: flushRequests / Math.max(1, manifestedFiles),
    capacity: capacityFigures(
      { register, flush, stateMachine, registeredFiles: MEASURED_FILES, manifestedFiles, manifests: flushed.manifests.length },
      DATE,
    ),
    manifests: flushed.manifests.length,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

const emulator = await startEmulator();
try {
  const small = await measure(emulator.endpoint, 100);
  const large = await measure(emulator.endpoint, 10_000);
  for (const m of [small, large]) {
    console.error(
      `backlog ${m.backlog}: ${round(m.requestsPerFile)} DynamoDB requests/file, ${round(m.filesPerSecond)} files/s; flush ${round(m.planRequestsPerFile)} requests/file manifested; ` +
        `${round(m.capacity.wcuPerFile)} WCU/file, ${round(m.capacity.partitionWcuPerFile)} on the date's partition, hot item ${m.capacity.hotItem} ${round(m.capacity.hotItemWcuPerFile)}; ` +
        `ceiling ${round(m.capacity.ceilingFilesPerSecondPerDate)} files/s per date`,
    );
  }
  console.log(
    JSON.stringify({
      requests_per_file_100: round(small.requestsPerFile),
      requests_per_file_10000: round(large.requestsPerFile),
      ratio: round(large.requestsPerFile / small.requestsPerFile),
      wcu_per_file: round(large.capacity.wcuPerFile),
      rcu_per_file: round(large.capacity.rcuPerFile),
      partition_wcu_per_file: round(large.capacity.partitionWcuPerFile),
      hot_item_wcu_per_file: round(large.capacity.hotItemWcuPerFile),
      hot_item: large.capacity.hotItem,
      ceiling_files_per_s_per_date: round(large.capacity.ceilingFilesPerSecondPerDate),
      ceiling_files_per_s_per_date_100: round(small.capacity.ceilingFilesPerSecondPerDate),
      partition_wcu_by_phase: large.capacity.partitionWcuByPhase,
      partition_wcu_by_kind: large.capacity.partitionWcuByKind,
      wcu_by_kind: large.capacity.wcuByKind,
      rcu_by_operation: large.capacity.rcuByOperation,
      rcu_per_file_100: round(small.capacity.rcuPerFile),
      state_machine_wcu_per_manifest: round(large.capacity.stateMachineWcuPerManifest),
      manifests_100: small.manifests,
      manifests_10000: large.manifests,
      capacity_backlog: large.backlog,
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
