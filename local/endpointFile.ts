import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ContextError } from '../contracts/contextError';
import { runtimeConfigSchema } from '../handlers/runtimeConfig';
import { PROJECT_ROOT } from './projectRoot';

/**
 * `local --serve` writes where its pipeline lives (emulator endpoint, resource names, thresholds,
 * dashboard URL) to an endpoint file, so other commands can target it with `--local [DIR]`. The file is
 * removed when the served pipeline stops; a file left by a killed process is recognised by its pid.
 */

export const DEFAULT_SERVE_DIR = join(PROJECT_ROOT, '.local', 'serve');
export const ENDPOINT_FILE_NAME = 'endpoint.json';

const endpointSchema = z.object({
  version: z.literal(1),
  pid: z.number().int().positive(),
  startedAt: z.string(),
  emulatorEndpoint: z.string().url(),
  region: z.string().min(1),
  stack: z.string().min(1),
  runDir: z.string(),
  dashboardUrl: z.string().url().nullable(),
  streamName: z.string().min(1),
  glueJobName: z.string().min(1),
  outputPrefix: z.string(),
  rejectsPrefix: z.string(),
  config: runtimeConfigSchema,
  /** The dead-letter queues' names (`dlq --local`); absent in files written before they existed. */
  deadLetterQueues: z.object({ ingest: z.string().min(1), batcher: z.string().min(1) }).optional(),
});

export type LocalEndpoint = z.infer<typeof endpointSchema>;

export class EndpointFileError extends ContextError {
  override readonly name = 'EndpointFileError';
}

/** A directory holding endpoint.json, or the file itself. */
export async function endpointFilePath(dirOrFile: string): Promise<string> {
  const info = await stat(dirOrFile).catch(() => null);
  return info?.isDirectory() || (!info && !dirOrFile.endsWith('.json')) ? join(dirOrFile, ENDPOINT_FILE_NAME) : dirOrFile;
}

export async function writeEndpointFile(path: string, endpoint: LocalEndpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Written whole then renamed, so a reader never sees half a file.
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(endpoint, null, 2)}\n`);
  await rename(partial, path);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readEndpointFile(path: string): Promise<LocalEndpoint> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EndpointFileError(
      `no local pipeline endpoint at ${path}: start one with \`ndjson-parquet local --serve\``,
      { path },
      {
        cause: error,
      },
    );
  }
  let parsed: ReturnType<typeof endpointSchema.safeParse>;
  try {
    parsed = endpointSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new EndpointFileError(`${path} is not valid JSON`, { path }, { cause: error });
  }
  if (!parsed.success)
    throw new EndpointFileError(
      `${path} is not a local pipeline endpoint file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { path },
    );
  if (!isRunning(parsed.data.pid)) {
    throw new EndpointFileError(
      `the local pipeline that wrote ${path} (pid ${parsed.data.pid}) is no longer running: start one with \`ndjson-parquet local --serve\``,
      { path },
    );
  }
  return parsed.data;
}
