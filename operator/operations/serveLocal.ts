import { readFileSync, rmSync } from 'node:fs';
import type { Random } from '../../handlers/domain/generator';
import { type LocalEndpoint, writeEndpointFile } from '../../local/endpointFile';
import { LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';
import { type Pace, type UploadItem, uploadItems } from '../../local/uploadSources';
import type { PipelineTarget } from '../target/pipelineTarget';
import { runtimeTarget } from '../target/resolveTarget';

/**
 * `local --serve`: the local pipeline kept running (batcher, sweeper, Step Functions, Glue) with its
 * dashboard, and an endpoint file that lets every other command target it with `--local`. Optional
 * uploads (--generate, --input) go in once it is up. Runs until the process is interrupted.
 */

export interface DashboardHandle {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  runtime: LocalRuntimeOptions;
  endpointFile: string;
  items: UploadItem[];
  pace: Pace;
  random: Random;
  /** Starts the dashboard over the served pipeline; null serves no page. */
  startDashboard: ((target: PipelineTarget) => Promise<DashboardHandle>) | null;
  progress: (line: string) => void;
}

export interface Served {
  endpoint: LocalEndpoint;
  /** The pipeline being served (tests reach its uploader and poller through it). */
  runtime: LocalRuntime;
  /** Resolves when the served pipeline is asked to stop (never, unless stop() is called). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

function removeOwnEndpointFile(path: string): void {
  try {
    if ((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid === process.pid) rmSync(path, { force: true });
  } catch {
    // Gone already, or not ours to remove.
  }
}

export async function serveLocal(options: ServeOptions): Promise<Served> {
  const say = options.progress;
  const runtime = await LocalRuntime.start(options.runtime);
  const { resources, config } = runtime;
  const target = runtimeTarget(runtime);
  const dashboard = options.startDashboard ? await options.startDashboard(target) : null;
  const endpoint: LocalEndpoint = {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    emulatorEndpoint: runtime.emulatorEndpoint,
    region: resources.region,
    stack: 'dev',
    runDir: runtime.runDir,
    dashboardUrl: dashboard?.url ?? null,
    streamName: resources.streamName,
    glueJobName: resources.glueJobName,
    outputPrefix: runtime.stack.outputPrefix,
    rejectsPrefix: runtime.stack.rejectsPrefix,
    config,
    deadLetterQueues: resources.deadLetterQueues,
  };
  // A served pipeline dies with its process (interrupt, kill); its endpoint file must not outlive it.
  const cleanup = () => removeOwnEndpointFile(options.endpointFile);
  process.once('exit', cleanup);
  await writeEndpointFile(options.endpointFile, endpoint);

  if (options.items.length > 0) {
    say(`upload: ${options.items.length} file(s) to s3://${resources.inputBucket}/${config.inputPrefix}`);
    await uploadItems(
      runtime.uploader,
      { bucket: resources.inputBucket, prefix: config.inputPrefix },
      options.items,
      options.pace,
      options.random,
    );
    say(`upload: ${options.items.length}/${options.items.length}`);
  }

  let release: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (release = resolve));
  return {
    endpoint,
    runtime,
    stopped,
    async stop() {
      cleanup();
      process.removeListener('exit', cleanup);
      await dashboard?.close();
      target.close();
      await runtime.stop();
      release();
    },
  };
}
