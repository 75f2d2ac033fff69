import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../services/ports';

/** Structured JSON logs through Powertools; the services only see the small `Log` port. */
export function powertoolsLog(logger: Logger = new Logger({ serviceName: 'ndjson-parquet' })): Log {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) =>
    extra ? logger[level](message, extra) : logger[level](message);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
