import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PipelineTarget } from '../operator/target/pipelineTarget';
import { targetFailure } from '../operator/target/targetFailure';
import { collectSnapshot, type DashboardSnapshot } from './dashboardSnapshot';
import { renderDashboard } from './renderDashboard';
import { escapeHtml } from './svgCharts';

/**
 * The dashboard over HTTP on a loopback address only (it shows bucket and table names and has no login):
 *   /               the page (rebuilt from the table and reports on every load)
 *   /api/snapshot   the same data as JSON
 */

export interface DashboardServerOptions {
  target: PipelineTarget;
  /** Loopback only: 127.0.0.1 (or ::1). */
  host: '127.0.0.1' | '::1';
  port: number;
  refreshSeconds: number;
  days?: number;
  reportLimit?: number;
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  // One snapshot per refresh interval, however many pages are open: each one reads every shown date's
  // items and the recent reports, which on a busy stack is not free.
  let cached: { at: number; value: Promise<DashboardSnapshot> } | undefined;
  const snapshot = (): Promise<DashboardSnapshot> => {
    if (!cached || Date.now() - cached.at >= options.refreshSeconds * 1000) {
      const value = collectSnapshot(options.target, { days: options.days ?? 14, reportLimit: options.reportLimit ?? 300, now: new Date() });
      cached = { at: Date.now(), value };
      // A failure is shown once, not cached: the next load tries again.
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    try {
      if (path === '/') {
        const html = renderDashboard(await snapshot(), { refreshSeconds: options.refreshSeconds });
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      } else if (path === '/api/snapshot') {
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(await snapshot()));
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (error) {
      // The page says what is wrong (pipeline stopped, credentials expired) and keeps refreshing.
      const failure = targetFailure(error, options.target) as Error;
      const message = `${failure.name}: ${failure.message}`;
      response
        .writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(
          `<!doctype html><meta http-equiv="refresh" content="${options.refreshSeconds}"><title>ndjson-parquet: unavailable</title><h1>Pipeline data unavailable</h1><pre>${escapeHtml(message)}</pre>`,
        );
    }
  };
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host === '::1' ? '[::1]' : options.host;
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
