import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from './projectRoot';

/**
 * The AWS emulator: moto in server mode on a loopback port, serving one request at a time so DynamoDB
 * transactions stay isolated (see serial_moto_server.py). SDK clients reach it through AWS_ENDPOINT_URL.
 */

export interface Emulator {
  endpoint: string;
  /** Environment that points AWS SDKs (JS and Python) at the emulator with dummy credentials. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}

export function venvBin(name: string): string {
  return join(PROJECT_ROOT, '.venv', 'bin', name);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function emulatorEnv(endpoint: string, region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
  };
}

export async function startEmulator(options: { port?: number; region?: string } = {}): Promise<Emulator> {
  const python = venvBin('python');
  if (!existsSync(python)) throw new EmulatorError(`the project's Python venv is missing (${python}); run \`npm run setup\` first`);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(python, [join(PROJECT_ROOT, 'local', 'serial_moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  // A process that exits without calling stop() (a CLI interrupted, a test runner torn down) must not leave
  // a moto server behind: orphaned ones have been seen spinning at full memory for the rest of a session.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new EmulatorError(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EmulatorError(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    endpoint,
    env: emulatorEnv(endpoint, options.region),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
