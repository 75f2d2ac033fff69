import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { MemoryMetricsSink } from '../../handlers/adapters/memoryMetricsSink';
import { createBatcherHandler } from '../../handlers/batcher';
import { createDepsFactory } from '../../handlers/batchingDeps';
import type { KeyEncoding } from '../../handlers/domain/eventKeys';
import type { BatchingSettings, RuntimeConfig } from '../../handlers/runtimeConfig';
import { type BatchingDeps, silentLog } from '../../handlers/services/deps';
import { createSweeperHandler } from '../../handlers/sweeper';
import { createLocalClients, type LocalClients } from '../../local/localClients';
import { createLocalResources, type LocalResources, loadStackConfig, localRuntimeConfig } from '../../local/resources';
import { kinesisEvent, objectCreated } from './events';

export const TODAY = '2026-11-22';

/**
 * A batcher wired to its own set of emulator resources (unique names per test), a controllable clock and
 * in-memory metrics. `clients` are the real SDK clients; tests may wrap them to inject faults.
 */
export interface BatcherFixture {
  clients: LocalClients;
  resources: LocalResources;
  config: RuntimeConfig;
  metrics: MemoryMetricsSink;
  clock: { now: Date };
  invoke(event: KinesisStreamEvent): ReturnType<ReturnType<typeof createBatcherHandler>>;
  sweep(forceDates?: string[]): ReturnType<ReturnType<typeof createSweeperHandler>>;
  deps(owner?: string): BatchingDeps;
  /** Writes an object to the input bucket and returns its Object Created event. */
  put(
    name: string,
    body?: string,
    options?: { prefix?: string; time?: string; keyEncoding?: KeyEncoding },
  ): Promise<Record<string, unknown>>;
  items(): Promise<Record<string, unknown>[]>;
  itemsOf(date: string): Promise<Record<string, unknown>[]>;
  executions(): Promise<string[]>;
}

export function context(): Context {
  const requestId = randomUUID();
  return {
    awsRequestId: requestId,
    functionName: 'batcher-test',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 60_000,
  } as Context;
}

export async function batcherFixture(settings: Partial<BatchingSettings> = {}): Promise<BatcherFixture> {
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
  const handler = createBatcherHandler(overrides);
  const sweeper = createSweeperHandler(overrides);
  const depsFor = createDepsFactory(overrides);

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
    resources,
    config,
    metrics,
    clock,
    invoke: (event) => handler(event, context()),
    sweep: (forceDates) => sweeper(forceDates ? { forceDates } : {}, context()),
    deps: (owner = randomUUID()) => depsFor(owner),
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
    async executions() {
      const result = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: config.stateMachineArn }));
      return (result.executions ?? []).map((e) => e.name ?? '');
    },
  };
}

export { kinesisEvent };

export const fileName = (date: string, n: number) =>
  `${date}-test${String(n).padStart(4, '0')}-120000-${String(n).padStart(8, '0')}.ndjson`;
