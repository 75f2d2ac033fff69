import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { destroyClients } from '../../handlers/adapters/clients';
import { utcDate } from '../../handlers/domain/dates';
import { readEndpointFile } from '../../local/endpointFile';
import { createLocalClients } from '../../local/localClients';
import { runCli, servePipeline } from './support/servedPipeline';

/**
 * Lost events (issue 12): files whose Object Created event never reached the stream are found by the
 * sweeper's own reconcile (`local --drop-events`), and by `reconcile --apply` on a served pipeline.
 */

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/** Each input key and the manifests that list it. */
async function manifestOwners(out: string): Promise<Map<string, string[]>> {
  const owners = new Map<string, string[]>();
  for (const key of (await filesUnder(join(out, 'manifest'))).filter((k) => k.startsWith('manifests/'))) {
    const manifest = JSON.parse(await readFile(join(out, 'manifest', key), 'utf8'));
    for (const location of manifest.fileLocations) {
      const input = String(location.URIPrefixes[0]).replace(/^s3:\/\/[^/]+\//, '');
      owners.set(input, [...(owners.get(input) ?? []), key]);
    }
  }
  return owners;
}

describe('lost events', () => {
  it("local --drop-events: the sweeper's reconcile finds every dropped file, each is converted exactly once, and ObjectsReconciled equals the number dropped", {
    timeout: 240_000,
  }, async () => {
    // Prepare
    const out = await mkdtemp(join(tmpdir(), 'e2e-drop-out-'));
    const runDir = await mkdtemp(join(tmpdir(), 'e2e-drop-run-'));

    // Act
    const run = await runCli([
      'local',
      '--generate',
      '10',
      '--dates',
      '2',
      '--records',
      '20',
      '--rate',
      'immediate',
      '--drop-events',
      '0.2',
      '--batching-window',
      '1',
      '--sweep-interval',
      '1',
      '--flush',
      '--out',
      out,
      '--run-dir',
      runDir,
      '--json',
      '--timeout',
      '200',
    ]);

    // Assert
    expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ status: 'succeeded', files_in: 10, converted: 10, quarantined: 0, failed: 0, pending: [] });
    expect(summary.runtime.events_dropped).toBe(2);
    expect(summary.runtime.events_read).toBe(8);
    expect(summary.metrics.ObjectsReconciled).toBe(2);
    const owners = await manifestOwners(out);
    const inputs = (await filesUnder(join(out, 'input'))).filter((k) => k.endsWith('.ndjson'));
    expect(inputs).toHaveLength(10);
    for (const input of inputs) expect(owners.get(input), input).toHaveLength(1);
    expect(run.stderr).toContain("reconcile: 2 event(s) dropped; waiting for the sweeper's reconcile to find their files");
  });

  it('reconcile --local reports objects put with no event, and two --apply at once convert each exactly once', {
    timeout: 240_000,
  }, async () => {
    // Prepare: a served pipeline whose sweeper does not run during the test, so only the command reconciles
    const dir = await mkdtemp(join(tmpdir(), 'cli-e2e-reconcile-'));
    const pipeline = await servePipeline(dir, ['--sweep-interval', '600']);
    const endpoint = await readEndpointFile(pipeline.endpointFile);
    const clients = createLocalClients(endpoint.emulatorEndpoint, endpoint.region);
    const { inputBucket, inputPrefix, tableName } = endpoint.config;
    const date = utcDate(new Date());
    const keys = [1, 2, 3, 4].map((n) => `${inputPrefix}${date}-silent${n}-120000-0000000${n}.ndjson`);
    try {
      for (const key of keys)
        await clients.s3.send(
          new PutObjectCommand({ Bucket: inputBucket, Key: key, Body: `{"id":"${key}","n":1}\n{"id":"${key}","n":2}\n` }),
        );

      // Act
      const report = await runCli(['reconcile', '--local', dir, '--json']);
      const applies = await Promise.all([
        runCli(['reconcile', '--local', dir, '--apply', '--json']),
        runCli(['reconcile', '--local', dir, '--apply', '--json']),
      ]);
      const after = await runCli(['reconcile', '--local', dir, '--json']);
      const flush = await runCli(['flush', '--local', dir, '--date', date, '--json']);
      let items: Record<string, unknown>[] = [];
      const deadline = Date.now() + 150_000;
      for (;;) {
        const page = await clients.dynamo.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'date_prefix = :d', ExpressionAttributeValues: { ':d': date } }),
        );
        items = page.Items ?? [];
        const manifests = items.filter((i) => String(i.file_key).startsWith('MANIFEST#'));
        if ((manifests.length > 0 && manifests.every((m) => m.status === 'completed')) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }

      // Assert
      expect(report.code, report.stderr).toBe(0);
      const reported = JSON.parse(report.stdout);
      expect(reported.untracked.map((o: { key: string }) => o.key).sort()).toEqual([...keys].sort());
      expect(reported.counts).toMatchObject({ untracked: 4, tracked: 0 });
      for (const apply of applies) expect(apply.code, apply.stderr).toBe(0);
      const applied = applies.map((a) => JSON.parse(a.stdout).applied);
      expect(applied.reduce((sum, a) => sum + a.registered, 0)).toBe(4);
      expect(applied.every((a) => a.failed === 0)).toBe(true);
      expect(JSON.parse(after.stdout).counts).toMatchObject({ listed: 4, tracked: 4, untracked: 0 });
      expect(flush.code, flush.stderr).toBe(0);
      const files = items.filter((i) => keys.includes(String(i.file_key)));
      expect(files.map((f) => f.status)).toEqual(['manifested', 'manifested', 'manifested', 'manifested']);
      const manifests = items.filter((i) => String(i.file_key).startsWith('MANIFEST#'));
      expect(manifests.map((m) => m.status)).toEqual(manifests.map(() => 'completed'));
      expect(manifests.reduce((sum, m) => sum + Number(m.file_count), 0)).toBe(4);
      const window = items.find((i) => i.file_key === 'WINDOW');
      expect(window?.pending_count).toBe(0);
    } finally {
      destroyClients(clients);
      await pipeline.stop();
    }
  });
});
