import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GlueConcurrentRunsExceededError, GlueJobRunFailedError, type GlueRunStart, LocalGlueRunner } from '../../local/glueRunner';

/**
 * The runner's side of the worker protocol, against a test double of glue/local_worker.py (the real
 * worker runs in the e2e test): one JSON request per stdin line, one JSON answer per stdout line.
 */
const DOUBLE = `
import json, sys, time
print("spark says hello on stdout", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    args = request["args"]
    print("working on " + args["--manifest_path"], file=sys.stderr, flush=True)
    time.sleep(float(args.get("--sleep", "0")))
    failed = "fail_after_files" in request.get("fault", {}) or args.get("--manifest_path", "").endswith("bad.json")
    print(json.dumps({
        "id": request["id"],
        "status": "FAILED" if failed else "SUCCEEDED",
        "job_run_id": args["--JOB_RUN_ID"],
        "report_key": None if failed else "logs/glue/report.json",
        "error": "boom: " + json.dumps(args, sort_keys=True) if failed else None,
    }), flush=True)
`;

const runners: LocalGlueRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function runner(maxConcurrentRuns = 10, jobRunQueuing = true, onRunStart?: (run: GlueRunStart) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'glue-runner-'));
  const script = join(dir, 'worker.py');
  await writeFile(script, DOUBLE);
  const logPath = join(dir, 'worker.log');
  const glue = new LocalGlueRunner({
    jobName: 'job-local',
    defaultArguments: { '--output_bucket': 'out-bucket', '--manifest_path': 'default-is-overridden' },
    maxConcurrentRuns,
    jobRunQueuing,
    env: { EXTRA: '1' },
    logPath,
    python: 'python3',
    script,
    ...(onRunStart ? { onRunStart } : {}),
  });
  runners.push(glue);
  return { glue, logPath };
}

describe('LocalGlueRunner', () => {
  it('answers a run with the final JobRun, arguments merged over the defaults as Glue merges them', async () => {
    // Prepare
    const { glue, logPath } = await runner();

    // Act
    const run = await glue.startJobRunSync({ '--manifest_path': 's3://m/manifests/a.json', '--date_prefix': '2026-01-30' });

    // Assert
    expect(run).toMatchObject({
      Id: expect.stringMatching(/^jr_[0-9a-f]{64}$/),
      JobName: 'job-local',
      JobRunState: 'SUCCEEDED',
      ReportKey: 'logs/glue/report.json',
    });
    expect(run.Arguments).toEqual({ '--manifest_path': 's3://m/manifests/a.json', '--date_prefix': '2026-01-30' });
    await glue.stop();
    const log = await readFile(logPath, 'utf8');
    expect(log).toContain('working on s3://m/manifests/a.json');
    expect(log).toContain('[stdout] spark says hello on stdout');
  });

  it('fails a run as the .sync integration does (States.TaskFailed, the JobRun as cause) and passes faults through', async () => {
    // Prepare
    const { glue } = await runner();

    // Act
    const failed = await glue.startJobRunSync({ '--manifest_path': 's3://m/bad.json' }).catch((e: unknown) => e);
    const faulted = await glue.startJobRunSync({ '--manifest_path': 's3://m/good.json' }, { fail_after_files: 1 }).catch((e: unknown) => e);

    // Assert
    expect(failed).toBeInstanceOf(GlueJobRunFailedError);
    expect((failed as Error).name).toBe('States.TaskFailed');
    const cause = JSON.parse((failed as Error).message);
    expect(cause).toMatchObject({ JobRunState: 'FAILED', ErrorMessage: expect.stringContaining('"--JOB_NAME": "job-local"') });
    expect(cause.ErrorMessage).toContain('"--output_bucket": "out-bucket"');
    expect((faulted as Error).name).toBe('States.TaskFailed');
    expect(glue.stats).toMatchObject({ runs: 2, failed: 2, succeeded: 0 });
  });

  it('queues runs beyond MaxConcurrentRuns when job run queuing is on, as the stack configures it', async () => {
    // Prepare
    const { glue } = await runner(1, true);

    // Act
    const runs = await Promise.all([1, 2, 3].map((n) => glue.startJobRunSync({ '--manifest_path': `s3://m/${n}.json`, '--sleep': '0.1' })));

    // Assert
    expect(runs.map((r) => r.JobRunState)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(glue.stats).toMatchObject({ refused: 0, queued: 2 });
  });

  it('with queuing off, runs one at a time and refuses runs beyond MaxConcurrentRuns with Glue.ConcurrentRunsExceededException', async () => {
    // Prepare
    const { glue } = await runner(2, false);

    // Act
    const first = glue.startJobRunSync({ '--manifest_path': 's3://m/1.json', '--sleep': '0.3' });
    const second = glue.startJobRunSync({ '--manifest_path': 's3://m/2.json', '--sleep': '0.3' });
    const third = await glue.startJobRunSync({ '--manifest_path': 's3://m/3.json' }).catch((e: unknown) => e);
    const [a, b] = await Promise.all([first, second]);

    // Assert
    expect(third).toBeInstanceOf(GlueConcurrentRunsExceededError);
    expect((third as Error).name).toBe('Glue.ConcurrentRunsExceededException');
    expect(Date.parse(b.StartedOn)).toBeGreaterThanOrEqual(Date.parse(a.CompletedOn) - 5);
    expect(await glue.startJobRunSync({ '--manifest_path': 's3://m/4.json' })).toMatchObject({ JobRunState: 'SUCCEEDED' });
  });

  it('fails the run in progress when the worker dies, and starts a new worker for the next run', async () => {
    // Prepare: a run the worker is busy with (it sleeps far longer than the test takes)
    const starts: GlueRunStart[] = [];
    let busy: (run: GlueRunStart) => void = () => {};
    const slowStarted = new Promise<GlueRunStart>((resolve) => (busy = resolve));
    const { glue } = await runner(10, true, (run) => {
      starts.push(run);
      if (run.arguments['--manifest_path'] === 's3://m/slow.json') busy(run);
    });
    const dying = glue.startJobRunSync({ '--manifest_path': 's3://m/slow.json', '--sleep': '60' });
    const { workerPid } = await slowStarted;

    // Act: the worker is killed mid-run, as the OOM killer would
    process.kill(workerPid, 'SIGKILL');
    const outcome = await dying.catch((e: unknown) => e);
    const next = await glue.startJobRunSync({ '--manifest_path': 's3://m/after.json' });

    // Assert
    expect((outcome as Error).name).toBe('States.TaskFailed');
    expect(JSON.parse((outcome as Error).message).ErrorMessage).toMatch(/Glue worker exited \(SIGKILL\) with 1 run\(s\) in progress/);
    expect(next.JobRunState).toBe('SUCCEEDED');
    expect(starts.map((s) => s.arguments['--manifest_path'])).toEqual(['s3://m/slow.json', 's3://m/after.json']);
    expect(starts[1]?.workerPid).not.toBe(workerPid);
  });
});
