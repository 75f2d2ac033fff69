import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, inject } from 'vitest';
import { pendingPartitions } from '../../contracts/trackingSchema';
import { MemoryMetricsSink } from '../../handlers/adapters/memoryMetricsSink';
import { createBatcherHandler } from '../../handlers/batcher';
import { createDepsFactory } from '../../handlers/batchingDeps';
import type { KeyEncoding } from '../../handlers/domain/eventKeys';
import type { BatchingSettings, RuntimeConfig } from '../../handlers/runtimeConfig';
import { type BatchingDeps, silentLog } from '../../handlers/services/deps';
import { createSweeperHandler } from '../../handlers/sweeper';
import { LocalIam, type LocalIamOptions } from '../../local/iam/localIam';
import { createLocalClients, type LocalClients } from '../../local/localClients';
import { createLocalResources, type LocalResources, loadStackConfig, localRuntimeConfig } from '../../local/resources';
import { kinesisEvent, objectCreated } from './events';

export const TODAY = '2026-11-22';

/**
 * A batcher wired to its own set of emulator resources (unique names per test), a controllable clock and
 * in-memory metrics. `clients` are the real SDK clients; tests may wrap them to inject faults.
 */
export interface BatcherFixture {
  /** The setup identity's clients: the fixture's own puts and reads, `deps()` (an operator's view). */
  clients: LocalClients;
  /** The batcher's and the sweeper's clients: their roles' through the IAM proxy, or `clients` with `iam: false`. Faults go here. */
  handlerClients: { batcher: LocalClients; sweeper: LocalClients };
  /** Unless `iam: false`: the proxy holding the batcher and the sweeper to their roles' policies. */
  iam?: LocalIam;
  resources: LocalResources;
  config: RuntimeConfig;
  metrics: MemoryMetricsSink;
  clock: { now: Date };
  invoke(event: KinesisStreamEvent): ReturnType<ReturnType<typeof createBatcherHandler>>;
  sweep(forceDates?: string[]): ReturnType<ReturnType<typeof createSweeperHandler>>;
  deps(owner?: string): BatchingDeps;
  /** The batcher's own dependencies, on its role's clients: what a batcher invocation can and cannot do. */
  batcherDeps(owner?: string): BatchingDeps;
  /** Writes an object to the input bucket and returns its Object Created event. */
  put(
    name: string,
    body?: string,
    options?: { prefix?: string; time?: string; keyEncoding?: KeyEncoding },
  ): Promise<Record<string, unknown>>;
  items(): Promise<Record<string, unknown>[]>;
  itemsOf(date: string): Promise<Record<string, unknown>[]>;
  /** The date's PENDING markers, in every partition they may be in (its shards, then its own for legacy ones). */
  markersOf(date: string): Promise<Record<string, unknown>[]>;
  executions(): Promise<string[]>;
  /** Stops the IAM proxy, if any. */
  close(): Promise<void>;
}

export interface BatcherFixtureOptions {
  /**
   * Default: the handlers are held to the stack's policies (local/iam), as on AWS; `policies` changes them
   * (a statement removed). `false` only where a test needs what IAM would refuse.
   */
  iam?: false | Pick<LocalIamOptions, 'policies'>;
}

const openIams: LocalIam[] = [];
afterAll(async () => {
  await Promise.all(openIams.splice(0).map((iam) => iam.stop()));
});

export function context(): Context {
  const requestId = randomUUID();
  return {
    awsRequestId: requestId,
    functionName: 'batcher-test',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 60_000,
  } as Context;
}

export async function batcherFixture(
  settings: Partial<BatchingSettings> = {},
  options: BatcherFixtureOptions = {},
): Promise<BatcherFixture> {
  const endpoint = inject('emulatorEndpoint');
  const loaded = await loadStackConfig('dev');
  const clients = createLocalClients(endpoint, loaded.region);
  const resources = await createLocalResources(clients, loaded, `t${randomUUID().slice(0, 8)}`);
  const config = localRuntimeConfig(resources, loaded.config, {
    maxBatchFiles: 10,
    maxBatchBytes: 100 * 1024 * 1024,
    maxWaitSeconds: 300,
    ...settings,
  });
  const metrics = new MemoryMetricsSink();
  const clock = { now: new Date(`${TODAY}T12:00:00Z`) };
  const overrides = { config, clients, metrics, log: silentLog, now: () => clock.now };
  const iam =
    options.iam === false ? undefined : await LocalIam.start(endpoint, resources, loaded.config, { enforced: true, ...options.iam });
  if (iam) openIams.push(iam);
  const handlerClients = { batcher: iam?.clients('batcher') ?? clients, sweeper: iam?.clients('sweeper') ?? clients };
  const handler = createBatcherHandler({ ...overrides, clients: handlerClients.batcher });
  const sweeper = createSweeperHandler({ ...overrides, clients: handlerClients.sweeper });
  const depsFor = createDepsFactory(overrides);
  const batcherDepsFor = createDepsFactory({ ...overrides, clients: handlerClients.batcher });

  const queryAll = async (input: ConstructorParameters<typeof QueryCommand>[0] | null) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = input
        ? await clients.dynamo.send(new QueryCommand({ ...input, ExclusiveStartKey: start }))
        : await clients.dynamo.send(new ScanCommand({ TableName: config.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };

  return {
    clients,
    handlerClients,
    ...(iam ? { iam } : {}),
    resources,
    config,
    metrics,
    clock,
    invoke: (event) => handler(event, context()),
    sweep: (forceDates) => sweeper(forceDates ? { forceDates } : {}, context()),
    deps: (owner = randomUUID()) => depsFor(owner),
    batcherDeps: (owner = randomUUID()) => batcherDepsFor(owner),
    async put(name, body = '{"a":1}\n', options = {}) {
      const key = `${options.prefix ?? config.inputPrefix}${name}`;
      const result = await clients.s3.send(new PutObjectCommand({ Bucket: config.inputBucket, Key: key, Body: body }));
      return objectCreated({
        bucket: config.inputBucket,
        key,
        size: Buffer.byteLength(body),
        etag: (result.ETag ?? '').replace(/"/g, ''),
        time: options.time ?? clock.now.toISOString(),
        ...(options.keyEncoding ? { keyEncoding: options.keyEncoding } : {}),
      });
    },
    items: () => queryAll(null),
    itemsOf: (date) =>
      queryAll({ TableName: config.tableName, KeyConditionExpression: 'date_prefix = :d', ExpressionAttributeValues: { ':d': date } }),
    async markersOf(date) {
      const markers: Record<string, unknown>[] = [];
      for (const partition of pendingPartitions(date)) {
        const items = await queryAll({
          TableName: config.tableName,
          KeyConditionExpression: 'date_prefix = :d AND begins_with(file_key, :p)',
          ExpressionAttributeValues: { ':d': partition, ':p': 'PENDING#' },
        });
        markers.push(...items);
      }
      return markers;
    },
    async executions() {
      const result = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: config.stateMachineArn }));
      return (result.executions ?? []).map((e) => e.name ?? '');
    },
    close: async () => {
      if (iam && openIams.includes(iam)) openIams.splice(openIams.indexOf(iam), 1);
      await iam?.stop();
    },
  };
}

export { kinesisEvent };

export const fileName = (date: string, n: number) =>
  `${date}-test${String(n).padStart(4, '0')}-120000-${String(n).padStart(8, '0')}.ndjson`;
