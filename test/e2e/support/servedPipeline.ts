import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../local/projectRoot';

/**
 * Runs the `ndjson-parquet` command as a user does (a child process of bin/ndjson-parquet.mjs), and keeps a
 * `local --serve` pipeline up for a test file: one runtime (one moto, one Spark worker) per file.
 */

export const BIN = join(PROJECT_ROOT, 'bin', 'ndjson-parquet.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node`: the Node binary that starts the command (default: the one running the tests). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, node: string = process.execPath): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [BIN, ...args], { cwd: PROJECT_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServedPipeline {
  dir: string;
  endpointFile: string;
  dashboardUrl: string;
  log(): string;
  stop(): Promise<void>;
}

export async function servePipeline(dir: string, args: string[]): Promise<ServedPipeline> {
  const endpointFile = join(dir, 'endpoint.json');
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      BIN,
      'local',
      '--serve',
      '--port',
      '0',
      '--endpoint-file',
      endpointFile,
      '--run-dir',
      join(dir, 'run'),
      '--sweep-interval',
      '2',
      '--batching-window',
      '1',
      ...args,
    ],
    { cwd: PROJECT_ROOT },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!existsSync(endpointFile)) {
    if (child.exitCode !== null) throw new Error(`local --serve exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`local --serve wrote no endpoint file within 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const endpoint = JSON.parse(await readFile(endpointFile, 'utf8')) as { dashboardUrl: string };
  return {
    dir,
    endpointFile,
    dashboardUrl: endpoint.dashboardUrl,
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    // Probes read the emulator in process (no CLI start), so a short interval costs little and each wait
    // ends soon after the state it waits for.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
