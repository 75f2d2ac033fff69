import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { itemOfKind, quarantineKey, UNDATED_PARTITION } from '../../contracts/trackingSchema';
import type { DeadLetter, DeadLetterQueue } from '../../handlers/adapters/sqsDeadLetterQueue';
import { compareSequenceNumbers, type KinesisBatchInfo, parseDeadLetter } from '../../handlers/domain/deadLetters';
import { basenameOf, parseInputKey } from '../../handlers/domain/names';
import { decodeRecord, partitionKeyOf } from '../../handlers/domain/s3Event';
import { TrackingReader } from '../adapters/trackingReader';
import { TargetError } from '../operatorError';
import type { DeadLetterTarget, PipelineTarget } from '../target/pipelineTarget';

/**
 * `dlq`: what the two dead-letter queues hold, and their replay.
 * - The rule target's DLQ holds the EventBridge events themselves: a replay puts each back on the stream as
 *   the target does (the event's id as partition key, handlers/domain/s3Event.ts PARTITION_KEY_PATH).
 * - The on-failure destination holds only where a batch lay on the stream: while the stream still retains
 *   those records (24 hours by default, Kinesis Developer Guide "Change the data retention period") they are
 *   read again (GetShardIterator AT_SEQUENCE_NUMBER, GetRecords to the end sequence number) and put back on
 *   the stream; once trimmed, the files can only be found by comparing the input bucket with the table
 *   (`reconcile --since`, from the batch's first arrival time).
 * Either way the batcher's own ingest path registers the files, idempotently (a file already tracked is a
 * duplicate event). A message is deleted only once every file it concerns is tracked (registered or
 * quarantined); otherwise it stays for the next run.
 */

export type DeadLetterQueueRole = 'ingest' | 'on-failure';

export interface DeadLetterFile {
  key: string;
  date: string;
  tracked: boolean;
}

export interface DeadLetterMessage {
  queue: DeadLetterQueueRole;
  messageId: string;
  sentAt: string | null;
  /** ERROR_CODE: ERROR_MESSAGE of an event; the condition of a batch. */
  error: string | null;
  files: DeadLetterFile[];
  /** The batch's place on the stream (on-failure messages), and whether the stream still holds it. */
  batch: (Pick<KinesisBatchInfo, 'shardId' | 'startSequenceNumber' | 'endSequenceNumber' | 'batchSize'> & { retained: boolean }) | null;
  /** With --replay: what became of the message. */
  outcome?: 'deleted' | 'kept' | 'reconcile';
  reason?: string;
  /** When the batch's records are no longer on the stream: `reconcile --since` this time finds its files. */
  reconcileSince?: string;
}

export interface DeadLetterQueueSummary {
  queue: DeadLetterQueueRole;
  name: string;
  count: number;
  oldest: string | null;
  dates: string[];
  files: number;
}

export interface DeadLetterReport {
  queues: DeadLetterQueueSummary[];
  messages: DeadLetterMessage[];
  replay: { deleted: number; kept: number; reconcile: number } | null;
}

export interface DeadLetterOptions {
  replay: boolean;
  /** How long a replay waits for the replayed files to be tracked before it keeps their messages. */
  waitMs?: number;
  pollMs?: number;
}

/** A run reads at most this many messages per queue; a later run continues with the rest. */
const MAX_MESSAGES = 1000;
const SHOW_VISIBILITY_SECONDS = 30;

interface Received {
  queue: DeadLetterQueue;
  raw: DeadLetter;
  view: DeadLetterMessage;
  /** The stream records to put back: data and partition key. */
  records: { data: Uint8Array; partitionKey: string }[];
  keyCandidates: string[][];
}

function deadLettersOf(target: PipelineTarget): DeadLetterTarget {
  if (!target.deadLetters) throw new TargetError(`${target.description} names no dead-letter queues (restart \`local --serve\`)`);
  return target.deadLetters;
}

async function receiveAll(queue: DeadLetterQueue, visibilitySeconds: number): Promise<DeadLetter[]> {
  const seen = new Map<string, DeadLetter>();
  while (seen.size < MAX_MESSAGES) {
    const page = await queue.receive(10, visibilitySeconds);
    const fresh = page.filter((m) => !seen.has(m.messageId));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.messageId, message);
  }
  return [...seen.values()];
}

/** The records of a batch, read again from the stream; null when the stream no longer holds its first one. */
async function readBatch(
  kinesis: KinesisClient,
  streamName: string,
  batch: KinesisBatchInfo,
): Promise<{ data: Uint8Array; partitionKey: string }[] | null> {
  let iterator: string | undefined;
  try {
    const start = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: batch.startSequenceNumber,
      }),
    );
    iterator = start.ShardIterator;
  } catch (error) {
    // A sequence number past the retention period (or of a deleted shard) is refused.
    if (['InvalidArgumentException', 'ResourceNotFoundException'].includes((error as Error).name)) return null;
    throw error;
  }
  const records: { data: Uint8Array; partitionKey: string }[] = [];
  let first = true;
  while (iterator) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const got = page.Records ?? [];
    if (first && got.length > 0 && got[0]?.SequenceNumber !== batch.startSequenceNumber) return null;
    if (got.length > 0) first = false;
    for (const record of got) {
      if (compareSequenceNumbers(record.SequenceNumber ?? '0', batch.endSequenceNumber) > 0) return records;
      records.push({ data: record.Data ?? new Uint8Array(), partitionKey: record.PartitionKey ?? '' });
      if (record.SequenceNumber === batch.endSequenceNumber) return records;
    }
    // An empty page with no lag left is the shard's tip: the end record is not there.
    if (got.length === 0 && (page.MillisBehindLatest ?? 0) === 0) return first ? null : records;
    iterator = page.NextShardIterator;
  }
  return first ? null : records;
}

/** The date partitions a key's FILE or QUARANTINE# item can be in (as the batcher and `trace` place it). */
function datesOf(key: string): string[] {
  const parsed = parseInputKey(basenameOf(key));
  if (parsed.ok) return [parsed.date];
  return parsed.date ? [parsed.date, UNDATED_PARTITION] : [UNDATED_PARTITION];
}

async function isTracked(reader: TrackingReader, candidates: string[]): Promise<boolean> {
  for (const key of candidates) {
    for (const date of datesOf(key)) {
      const [file, quarantined] = await Promise.all([reader.item(date, key), reader.item(date, quarantineKey(key))]);
      if (itemOfKind(file, 'file') || itemOfKind(quarantined, 'quarantine')) return true;
    }
  }
  return false;
}

async function describe(
  target: PipelineTarget,
  dl: DeadLetterTarget,
  role: DeadLetterQueueRole,
  queue: DeadLetterQueue,
  raw: DeadLetter,
  reader: TrackingReader,
): Promise<Received> {
  const parsed = parseDeadLetter(raw.body, raw.attributes);
  const base = { queue: role, messageId: raw.messageId, sentAt: raw.sentAt?.toISOString() ?? null };
  const expected = { bucket: target.config.inputBucket, prefix: target.config.inputPrefix };
  let records: Received['records'] = [];
  let batch: DeadLetterMessage['batch'] = null;
  let error: string | null = null;
  let reconcileSince: string | undefined;
  if (parsed.kind === 'ingest') {
    records = [{ data: Buffer.from(raw.body), partitionKey: partitionKeyOf(parsed.event) }];
    error = parsed.attributes.ERROR_CODE ? `${parsed.attributes.ERROR_CODE}: ${parsed.attributes.ERROR_MESSAGE ?? ''}` : null;
  } else if (parsed.kind === 'on-failure') {
    const info = parsed.record.KinesisBatchInfo;
    const read = await readBatch(target.clients.kinesis, dl.streamName, info);
    batch = {
      shardId: info.shardId,
      startSequenceNumber: info.startSequenceNumber,
      endSequenceNumber: info.endSequenceNumber,
      batchSize: info.batchSize,
      retained: read !== null,
    };
    records = read ?? [];
    error = parsed.record.requestContext.condition;
    if (read === null) reconcileSince = info.approximateArrivalOfFirstRecord;
  } else {
    error = parsed.detail;
  }
  const keyCandidates: string[][] = [];
  for (const record of records) {
    const decoded = decodeRecord(Buffer.from(record.data).toString('utf8'), expected);
    if (decoded.kind === 'object') keyCandidates.push(decoded.event.keyCandidates);
  }
  const files: DeadLetterFile[] = [];
  for (const candidates of keyCandidates) {
    const key = candidates[0] as string;
    files.push({ key, date: datesOf(key)[0] as string, tracked: await isTracked(reader, candidates) });
  }
  return {
    queue,
    raw,
    records,
    keyCandidates,
    view: { ...base, error, files, batch, ...(reconcileSince ? { reconcileSince } : {}) },
  };
}

function summarise(
  role: DeadLetterQueueRole,
  queue: DeadLetterQueue,
  count: number,
  messages: DeadLetterMessage[],
): DeadLetterQueueSummary {
  const sent = messages
    .map((m) => m.sentAt)
    .filter((s): s is string => s !== null)
    .sort();
  return {
    queue: role,
    name: queue.name,
    count,
    oldest: sent[0] ?? null,
    dates: [...new Set(messages.flatMap((m) => m.files.map((f) => f.date)))].sort(),
    files: messages.reduce((n, m) => n + m.files.length, 0),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function deadLetters(target: PipelineTarget, options: DeadLetterOptions): Promise<DeadLetterReport> {
  const dl = deadLettersOf(target);
  const reader = new TrackingReader(target.clients.dynamo, target.config.tableName);
  const waitMs = options.waitMs ?? 60_000;
  // A replay hides its messages for as long as it may hold them, so a second run beside it does not take them too.
  const visibility = options.replay ? Math.ceil(waitMs / 1000) + 60 : SHOW_VISIBILITY_SECONDS;
  const queues: [DeadLetterQueueRole, DeadLetterQueue][] = [
    ['ingest', dl.ingest],
    ['on-failure', dl.batcher],
  ];
  const received: Received[] = [];
  const counts = new Map<DeadLetterQueueRole, number>();
  for (const [role, queue] of queues) {
    counts.set(role, await queue.approximateCount());
    for (const raw of await receiveAll(queue, visibility)) received.push(await describe(target, dl, role, queue, raw, reader));
  }

  let replay: DeadLetterReport['replay'] = null;
  if (options.replay) {
    const pending = received.filter((r) => r.view.batch?.retained !== false && r.keyCandidates.length > 0);
    for (const item of pending) {
      if (item.view.files.every((f) => f.tracked)) continue;
      for (const record of item.records) {
        await target.clients.kinesis.send(
          new PutRecordCommand({ StreamName: dl.streamName, PartitionKey: record.partitionKey, Data: record.data }),
        );
      }
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      for (const item of pending) {
        for (const [index, file] of item.view.files.entries()) {
          if (!file.tracked) file.tracked = await isTracked(reader, item.keyCandidates[index] as string[]);
        }
      }
      if (pending.every((item) => item.view.files.every((f) => f.tracked)) || Date.now() > deadline) break;
      await sleep(options.pollMs ?? 500);
    }
    replay = { deleted: 0, kept: 0, reconcile: 0 };
    for (const item of received) {
      if (item.view.batch && !item.view.batch.retained) {
        item.view.outcome = 'reconcile';
        item.view.reason = `the stream no longer holds this batch: run \`reconcile --since ${item.view.reconcileSince}\` for its files`;
      } else if (item.keyCandidates.length === 0) {
        item.view.outcome = 'kept';
        item.view.reason = item.view.error ?? 'the message names no input file';
      } else if (item.view.files.every((f) => f.tracked)) {
        await item.queue.delete(item.raw.receiptHandle);
        item.view.outcome = 'deleted';
      } else {
        item.view.outcome = 'kept';
        item.view.reason = `${item.view.files.filter((f) => !f.tracked).length} file(s) not tracked within ${waitMs} ms of the replay`;
      }
      if (item.view.outcome !== 'deleted') await item.queue.release(item.raw.receiptHandle);
      replay[item.view.outcome] += 1;
    }
  } else {
    for (const item of received) await item.queue.release(item.raw.receiptHandle);
  }

  const messages = received.map((r) => r.view);
  return {
    queues: queues.map(([role, queue]) =>
      summarise(
        role,
        queue,
        counts.get(role) ?? 0,
        messages.filter((m) => m.queue === role),
      ),
    ),
    messages,
    replay,
  };
}
