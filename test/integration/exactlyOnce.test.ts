import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fromManifestDocument } from '../../handlers/domain/manifest';
import { Chaos } from '../../local/chaos';
import { injectDynamoFaults } from '../../local/sdkFaults';
import { type BatcherFixture, batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

const YESTERDAY = '2026-11-21';

/** A deterministic random source, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Lambda's event source mapping, reduced to what matters here: batches are retried whole when the
 * invocation dies, and from the first reported failure when it reports partial failures.
 */
async function deliver(fx: BatcherFixture, chaos: Chaos, batches: Record<string, unknown>[][], workers: number): Promise<void> {
  const queue = [...batches];
  let attempts = 0;
  const worker = async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      attempts += 1;
      if (attempts > 2000) throw new Error('delivery did not converge');
      const event: KinesisStreamEvent = kinesisEvent(batch);
      try {
        const response = await chaos.run(() => fx.invoke(event));
        const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        const first = event.Records.findIndex((r) => failed.has(r.kinesis.sequenceNumber));
        if (first >= 0) queue.push(batch.slice(first));
      } catch {
        queue.push(batch);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

async function committedManifests(fx: BatcherFixture) {
  const records = (await fx.items()).filter((i) => String(i.file_key).startsWith('MANIFEST#'));
  return Promise.all(
    records.map(async (record) => {
      const key = String(record.manifest_path).replace(`s3://${fx.config.manifestBucket}/`, '');
      const body = await fx.clients.s3.send(new GetObjectCommand({ Bucket: fx.config.manifestBucket, Key: key }));
      return { record, manifest: fromManifestDocument(JSON.parse(await body.Body!.transformToString())) };
    }),
  );
}

describe('exactly-once batching under faults', () => {
  it('puts every file in exactly one manifest of its date despite duplicates, reordering, 8 concurrent invocations, crashes, throttling and conflicts', async () => {
    // Prepare
    const random = seeded(20261122);
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const chaos = new Chaos(0.3, random);
    const { batcher, sweeper } = fx.handlerClients;
    for (const clients of [batcher, sweeper]) chaos.install(clients.dynamoRaw, clients.s3, clients.sfn);
    const faults = injectDynamoFaults(batcher.dynamoRaw, { throttle: 0.03, transactionConflict: 0.1 }, random);
    injectDynamoFaults(sweeper.dynamoRaw, { throttle: 0.03, transactionConflict: 0.1 }, random);
    const names = [
      ...Array.from({ length: 64 }, (_, i) => fileName(TODAY, i + 1)),
      ...Array.from({ length: 23 }, (_, i) => fileName(YESTERDAY, i + 1)),
    ];
    const events = await Promise.all(names.map((name) => fx.put(name)));
    const deliveries = events.flatMap((e) => [e, e, e]).sort(() => random() - 0.5);
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < deliveries.length; ) {
      const size = 1 + Math.floor(random() * 12);
      batches.push(deliveries.slice(i, i + size));
      i += size;
    }

    // Act
    await Promise.all([
      deliver(fx, chaos, batches, 8),
      (async () => {
        for (let i = 0; i < 5; i++) await chaos.run(() => fx.sweep()).catch(() => undefined);
      })(),
    ]);
    fx.clock.now = new Date(fx.clock.now.getTime() + 3_600_000);
    for (let i = 0; i < 3; i++) expect((await fx.sweep([TODAY, YESTERDAY])).errors).toEqual([]);

    // Assert
    expect(chaos.stats.crashes).toBeGreaterThan(0);
    expect(faults.conflicts).toBeGreaterThan(0);
    const manifests = await committedManifests(fx);
    const listed = manifests.flatMap(({ manifest }) => manifest.files.map((f) => f.key));
    expect(listed.slice().sort()).toEqual(names.map((n) => `pipeline/input/${n}`).sort());
    for (const { record, manifest } of manifests) {
      expect(manifest.files.every((f) => f.key.includes(`/${manifest.date}-`))).toBe(true);
      expect(manifest.files.length).toBeLessThanOrEqual(10);
      expect(record.file_count).toBe(manifest.files.length);
      expect(record.execution_arn).toEqual(expect.stringContaining(manifest.id));
    }
    const items = await fx.items();
    for (const file of items.filter((i) => i.kind === 'file')) {
      const owner = manifests.find(({ manifest }) => manifest.files.some((f) => f.key === file.file_key));
      expect(file).toMatchObject({ status: 'manifested', manifest_name: owner?.manifest.name });
    }
    expect(items.filter((i) => i.kind === 'pending')).toEqual([]);
    for (const window of items.filter((i) => i.file_key === 'WINDOW')) {
      expect(window).toMatchObject({ pending_count: 0, pending_bytes: 0 });
      expect(window.open_manifest).toBeUndefined();
    }
    expect((await fx.executions()).sort()).toEqual(manifests.map(({ manifest }) => manifest.id).sort());
  });
});
