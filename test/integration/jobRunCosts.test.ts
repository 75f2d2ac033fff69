import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { renderReports } from '../../cli/commands/reportsCommand';
import { renderTrace } from '../../cli/commands/traceCommand';
import { LIST_PRICES } from '../../contracts/prices';
import { GlueJobRunReader } from '../../operator/adapters/glueJobRunReader';
import { listReports } from '../../operator/operations/listReports';
import { reportTotals } from '../../operator/operations/reportRows';
import { traceFile } from '../../operator/operations/traceFile';
import type { PipelineTarget } from '../../operator/target/pipelineTarget';
import { type BatcherFixture, batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';
import { completeOnlyManifest, fixtureTarget } from '../support/operatorTarget';

/**
 * `reports` and `trace` on a deployed stack read a Glue run's cost from Glue's record of it (GetJobRun),
 * not from the job's estimate. S3 and DynamoDB are the emulator's; Glue answers through the SDK's own
 * GlueClient, whose HTTP handler replays a GetJobRun response of the documented shape
 * (test/support/recorded/getJobRun.flex.json: a Flex run, where Glue fills DPUSeconds), so the SDK's
 * deserialisation and our adapter run as they do against AWS.
 */

const RECORDED = readFileSync(join(import.meta.dirname, '../support/recorded/getJobRun.flex.json'), 'utf8');
const RUN = JSON.parse(RECORDED) as { JobRun: { Id: string; JobName: string; DPUSeconds: number } };

/** A GlueClient that answers every request with the recorded response, and keeps the requests' bodies. */
function recordedGlue(requests: { target: string; body: unknown }[]): GlueClient {
  return new GlueClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async (request: HttpRequest) => {
        const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        requests.push({ target: String(request.headers['x-amz-target']), body: JSON.parse(body) });
        const response: HttpResponse = {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'recorded' },
          body: new TextEncoder().encode(RECORDED),
        };
        return { response };
      },
    },
  });
}

/** The deployed stack's target as resolveTarget builds it, over the emulator's S3 and DynamoDB. */
function awsTarget(fx: BatcherFixture, glue: GlueClient): PipelineTarget {
  const local = fixtureTarget(fx);
  return { ...local, kind: 'aws', description: 'stack dev (us-east-1)', jobRuns: new GlueJobRunReader(glue) };
}

describe("a Glue run's cost on AWS", () => {
  it("is Glue's DPUSeconds from GetJobRun in reports and trace, not the job's estimate", async () => {
    // Prepare: a completed manifest of one file, and the report its run wrote (with the job's own estimate)
    const fx = await batcherFixture({ maxBatchFiles: 1 });
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
    const { manifest, completedAt } = await completeOnlyManifest(fx, TODAY);
    const report = {
      timestamp: completedAt,
      date: TODAY,
      job_info: { job_name: RUN.JobRun.JobName, job_run_id: RUN.JobRun.Id, worker_type: 'G.1X', number_of_workers: 2 },
      worker_type: 'G.1X',
      number_of_workers: 2,
      execution_class: 'FLEX',
      cost: { dpu_seconds: 240, usd: 0.0193, estimated: true, basis: 'run time x DPUs, 1-minute minimum' },
      manifest: { id: manifest.manifest_id },
      processing_summary: { status: 'success', execution_time_seconds: 119.4 },
      bytes: { input: 2 ** 30, output: 2 ** 28 },
      files: [],
    };
    const reportKey = `logs/glue/${completedAt.slice(0, 10)}-T000000-0000abcd-0001.json`;
    await fx.clients.s3.send(new PutObjectCommand({ Bucket: fx.config.manifestBucket, Key: reportKey, Body: JSON.stringify(report) }));
    const requests: { target: string; body: unknown }[] = [];
    const glue = recordedGlue(requests);
    const target = awsTarget(fx, glue);

    // Act
    const since = new Date(`${completedAt.slice(0, 10)}T00:00:00Z`);
    const rows = await listReports(target, { since, kinds: ['glue'], limit: 10 });
    const trace = await traceFile(target, fileName(TODAY, 1));
    const table = renderReports(rows, reportTotals(rows), since, 'glue');
    const traced = renderTrace(trace);
    target.close();
    glue.destroy();

    // Assert: 173.25 DPU-s at the Flex price, $0.0140
    const usd = (RUN.JobRun.DPUSeconds / 3600) * LIST_PRICES.glueFlexDpuHour;
    expect(requests[0]).toEqual({ target: 'AWSGlue.GetJobRun', body: { JobName: RUN.JobRun.JobName, RunId: RUN.JobRun.Id } });
    expect(rows).toEqual([
      expect.objectContaining({
        workerType: 'G.1X',
        numberOfWorkers: 2,
        executionClass: 'FLEX',
        dpuSeconds: 173.25,
        usd: expect.closeTo(usd, 12),
        estimated: false,
        costSource: 'glue-job-run',
      }),
    ]);
    expect(trace.glue?.run).toMatchObject({ jobRunId: RUN.JobRun.Id, dpuSeconds: 173.25, estimated: false, costSource: 'glue-job-run' });
    expect(table).toContain('$0.0140');
    expect(table).not.toContain('~$');
    expect(reportTotals(rows).glue).toMatchObject({ costEstimated: false, usdPerGb: expect.closeTo(usd, 12) });
    expect(traced).toContain(`glue run:    ${RUN.JobRun.Id}: G.1X×2 flex, 1 min 59 s, 173 DPU-seconds, $0.0140 (Glue's record of the run)`);
  });
});
