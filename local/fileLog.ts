import { createWriteStream, type WriteStream } from 'node:fs';
import type { Log } from '../handlers/services/ports';

/**
 * The handlers' `Log` port writing JSON lines to a file under the run directory: on AWS those lines go to
 * CloudWatch Logs; locally stdout belongs to the CLI's own output.
 */
export class FileLog implements Log {
  private readonly stream: WriteStream;
  errors = 0;
  warnings = 0;

  constructor(
    path: string,
    private readonly source: string,
  ) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  private write(level: string, message: string, extra?: Record<string, unknown>): void {
    this.stream.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, source: this.source, message, ...extra })}\n`);
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.write('DEBUG', message, extra);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.write('INFO', message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.warnings += 1;
    this.write('WARN', message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.errors += 1;
    this.write('ERROR', message, extra);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
