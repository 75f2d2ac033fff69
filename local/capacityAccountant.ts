import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InitializeHandlerOutput, MetadataBearer } from '@smithy/types';
import { TABLE_KEYS, WINDOWS_INDEX } from '../contracts/trackingSchema';
import { aroundCommands, type CommandCall, type SdkClient } from './clientMiddleware';
import {
  type Charge,
  currentImages,
  type ItemSource,
  isConditionFailure,
  probeItemSource,
  readCharges,
  type TableShape,
  writeCharges,
  writeTargets,
} from './dynamoBilling';

/**
 * Capacity as DynamoDB bills it, request by request: an SDK middleware on a client sees every DynamoDB
 * request it actually sends (each attempt, inside the SDK's retry loop) and its answer, and records what it
 * consumed as Charges (local/dynamoBilling.ts): the units, read or write, on which table or index, which
 * partition key and which single item. A throttled or failed attempt consumed nothing, except a write
 * refused by its condition, which DynamoDB bills. This replaces moto's ConsumedCapacity, which does not
 * follow DynamoDB's rules (it was about 1,600 times too low for the batcher's transactions).
 */

type Result = InitializeHandlerOutput<MetadataBearer>;

export class CapacityAccountant {
  private recorded: Charge[] = [];

  constructor(
    private readonly shape: TableShape,
    private readonly source: ItemSource,
  ) {}

  /** Everything recorded since the last take, and a fresh start. */
  take(): Charge[] {
    const taken = this.recorded;
    this.recorded = [];
    return taken;
  }

  install(client: SdkClient): void {
    aroundCommands([client], { name: 'capacityAccountant', step: 'finalizeRequest' }, (call, proceed) => this.send(call, proceed));
  }

  /** Sends one request through `proceed` and records what it consumed. */
  async send(call: CommandCall, proceed: () => Promise<Result>): Promise<Result> {
    const write = writeTargets(call);
    if (!write) {
      const result = await proceed();
      this.recorded.push(...(await readCharges(this.shape, this.source, call, result.output as unknown as Record<string, unknown>)));
      return result;
    }
    const operation = call.commandName.replace(/Command$/, '');
    const before = await currentImages(this.source, this.shape.table, write.targets);
    let result: Result;
    try {
      result = await proceed();
    } catch (error) {
      if (isConditionFailure(error))
        this.recorded.push(
          ...writeCharges(this.shape, operation, write.targets, before, new Map(), { transactional: write.transactional, failed: true }),
        );
      throw error;
    }
    const unprocessed = new Set(
      call.commandName === 'BatchWriteItemCommand'
        ? (writeTargets({
            commandName: call.commandName,
            input: { RequestItems: (result.output as { UnprocessedItems?: unknown }).UnprocessedItems },
          })?.targets.map((t) => `${t.table}${JSON.stringify(t.key)}`) ?? [])
        : [],
    );
    const done = write.targets.filter((t) => !unprocessed.has(`${t.table}${JSON.stringify(t.key)}`));
    const after = await currentImages(
      this.source,
      this.shape.table,
      done.filter((t) => t.kind === 'update'),
    );
    this.recorded.push(...writeCharges(this.shape, operation, done, before, after, { transactional: write.transactional, failed: false }));
    return result;
  }
}

/** Sums of units by a key of each charge. */
export function unitsBy(charges: readonly Charge[], key: (charge: Charge) => string | null): Map<string, number> {
  const sums = new Map<string, number>();
  for (const charge of charges) {
    const name = key(charge);
    if (name !== null) sums.set(name, (sums.get(name) ?? 0) + charge.units);
  }
  return sums;
}

export function totalUnits(charges: readonly Charge[], capacity: Charge['capacity']): number {
  return charges.reduce((sum, c) => (c.capacity === capacity ? sum + c.units : sum), 0);
}

/** A single item's name across tables and indexes, for the most-written item. */
export function chargedItem(charge: Charge): string | null {
  if (charge.item === undefined) return null;
  return `${charge.table}${charge.index ? `/${charge.index}` : ''}#${charge.partition}#${charge.item}`;
}

/** The tracking table as the accountant bills it: its keys and the `windows` index (projection ALL). */
export const TRACKING_TABLE_SHAPE: TableShape = {
  table: TABLE_KEYS,
  indexes: [{ name: WINDOWS_INDEX.name, hash: WINDOWS_INDEX.hash, range: WINDOWS_INDEX.range }],
};

/**
 * An accountant on `client` (a local runtime's raw DynamoDB client, which its document client shares),
 * reading item images through a probe client of its own on the same emulator.
 */
export function accountLocalCapacity(
  client: SdkClient,
  endpoint: string,
  region: string,
): { accountant: CapacityAccountant; close(): void } {
  const probe = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
  });
  const accountant = new CapacityAccountant(TRACKING_TABLE_SHAPE, probeItemSource(probe));
  accountant.install(client);
  return { accountant, close: () => probe.destroy() };
}
