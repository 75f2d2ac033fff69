import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { checkExactlyOnce } from '../../local/exactlyOnce';
import { readBucket, writeExport } from '../../local/exportRun';
import { BUCKET_ROLES } from '../../local/resources';
import type { DeadLetterReport } from '../../operator/operations/deadLetters';
import { serveLocal } from '../../operator/operations/serveLocal';
import { runCli, waitFor } from './support/servedPipeline';

/**
 * `dlq --local --replay` against a served pipeline whose events a fault knob forced into each dead-letter
 * queue (local/deadLetterFaults.ts): the rule target's put of some events fails (ingest DLQ), the batcher
 * fails on another (on-failure destination, after the mapping's retries). A replay while the batcher still
 * fails keeps every message; once it works, a replay recovers every file, each converted exactly once.
 */

type DlqJson = DeadLetterReport & { target: string };

const today = new Date().toISOString().slice(0, 10);

describe('ndjson-parquet dlq --local --replay (end to end)', () => {
  it('recovers files whose events were forced into either DLQ, each converted exactly once, deleting messages only once their files are tracked', {
    timeout: 240_000,
  }, async () => {
    // Prepare: a served pipeline with both fault knobs
    const dir = await mkdtemp(join(tmpdir(), 'e2e-dlq-'));
    const ingestFails = new Set<string>();
    const batchFails = new Set<string>();
    const served = await serveLocal({
      runtime: {
        runDir: join(dir, 'run'),
        batchingWindowMs: 200,
        pollIntervalMs: 50,
        sweepIntervalMs: 3_600_000,
        deadLetterFaults: { ingest: (key) => ingestFails.has(key), batch: (key) => batchFails.has(key) },
      },
      endpointFile: join(dir, 'endpoint.json'),
      items: [],
      pace: { rate: 'immediate' },
      random: Math.random,
      startDashboard: null,
      progress: () => {},
    });
    const { runtime } = served;
    const prefix = runtime.config.inputPrefix;
    const key = (name: string) => `${prefix}${today}-${name}.ndjson`;
    const files = {
      plain: key('plain-000001'),
      ingest1: key('lost-event-000001'),
      ingest2: key('lost-event-000002'),
      batch: key('failed-batch-000001'),
    };
    ingestFails.add(files.ingest1).add(files.ingest2);
    batchFails.add(files.batch);
    const dlq = async (...args: string[]) => {
      const run = await runCli(['dlq', '--local', dir, '--json', ...args]);
      return { code: run.code, report: JSON.parse(run.stdout || '{}') as DlqJson, stderr: run.stderr };
    };
    try {
      let id = 0;
      const since = Date.now();
      for (const k of Object.values(files)) {
        const body = [1, 2, 3].map(() => JSON.stringify({ id: `r${++id}`, file: k })).join('\n');
        await runtime.uploader.send(new PutObjectCommand({ Bucket: runtime.resources.inputBucket, Key: k, Body: `${body}\n` }));
      }
      await waitFor('the failed batch in the on-failure DLQ', async () => (runtime.poller.stats.dlqBatches > 0 ? true : undefined), 60_000);
      await runtime.poller.drain(60_000, since);

      // Act 1: show both queues
      const shown = await dlq();

      // Assert 1: each queue names its files; nothing of them is tracked
      expect(shown.code, shown.stderr).toBe(0);
      const byQueue = Object.fromEntries(shown.report.queues.map((q) => [q.queue, q]));
      expect(byQueue.ingest).toMatchObject({ count: 2, files: 2, dates: [today] });
      expect(byQueue['on-failure']).toMatchObject({ count: 1, files: 1, dates: [today] });
      expect(shown.report.messages.flatMap((m) => m.files.map((f) => [f.key, f.tracked])).sort()).toEqual(
        [files.batch, files.ingest1, files.ingest2].map((k) => [k, false]).sort(),
      );
      expect(shown.report.messages.find((m) => m.queue === 'ingest')?.error).toMatch(/^NO_PERMISSIONS: /);

      // Act 2: replay while the batcher still fails on every one of them
      for (const k of [files.ingest1, files.ingest2]) batchFails.add(k);
      const early = await dlq('--replay', '--wait', '3');
      await runtime.poller.drain(60_000, Date.now());

      // Assert 2: nothing tracked, so every message is kept
      expect(early.code, early.stderr).toBe(1);
      expect(early.report.messages.map((m) => m.outcome)).toEqual(['kept', 'kept', 'kept']);
      const kept = early.report.messages.map((m) => m.messageId);

      // Act 3: the batcher works again; replay
      batchFails.clear();
      const replayed = await dlq('--replay', '--wait', '60');
      const after = await dlq();

      // Assert 3: every message (the kept ones too) deleted once its files were tracked; the queues are empty
      expect(replayed.code, replayed.stderr).toBe(0);
      expect(replayed.report.replay).toMatchObject({ kept: 0, reconcile: 0 });
      expect(replayed.report.messages.every((m) => m.outcome === 'deleted' && m.files.every((f) => f.tracked))).toBe(true);
      expect(replayed.report.messages.map((m) => m.messageId)).toEqual(expect.arrayContaining(kept));
      expect(after.report.queues.map((q) => q.count)).toEqual([0, 0]);

      // Act 4: flush the date and export the run
      await runtime.flush(today);
      await runtime.executor.whenIdle();
      const objects = [];
      for (const role of BUCKET_ROLES) objects.push(...(await readBucket(runtime.clients.s3, role, runtime.resources.buckets[role])));
      const out = join(dir, 'out');
      await writeExport(out, objects, []);

      // Assert 4: every record of every file is a row exactly once
      expect(await checkExactlyOnce(out)).toMatchObject({ exactly_once: true, records_in: 12, rows_out: 12 });
    } finally {
      await served.stop();
    }
  });
});
