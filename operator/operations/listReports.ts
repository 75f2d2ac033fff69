import { S3ObjectStore } from '../../handlers/adapters/s3ObjectStore';
import { reportStamp } from '../../handlers/domain/dates';
import { ObjectReader } from '../adapters/objectReader';
import type { PipelineTarget } from '../target/pipelineTarget';
import { type ReportKind, type ReportRow, reportRow } from './reportRows';
import { withJobRunCosts } from './withJobRunCosts';

/**
 * Reads the metadata reports written since a time. Report keys start with their UTC stamp
 * (`logs/<kind>/<YYYY-MM-DD>-T<HHMMSS>-…`), so "since" is a StartAfter on the listing, not a filter over
 * every report ever written. On a deployed stack a Glue run's cost is Glue's own figure (withJobRunCosts).
 */

export interface ReportQuery {
  since: Date;
  kinds: readonly ReportKind[];
  /** At most this many reports per kind, the newest kept. */
  limit: number;
}

export async function listReports(target: PipelineTarget, query: ReportQuery): Promise<ReportRow[]> {
  const reader = new ObjectReader(target.clients.s3);
  const store = new S3ObjectStore(target.clients.s3);
  const bucket = target.config.manifestBucket;
  const rows: ReportRow[] = [];
  for (const kind of query.kinds) {
    const prefix = `logs/${kind}/`;
    const listed = await reader.list(bucket, prefix, { startAfter: `${prefix}${reportStamp(query.since)}` });
    const newest = listed.filter((o) => o.key.endsWith('.json')).slice(-query.limit);
    for (const object of newest) rows.push(reportRow(kind, object.key, await store.getJson(bucket, object.key), target.prices));
  }
  return (await withJobRunCosts(target, rows)).sort((a, b) => (a.at ?? a.key).localeCompare(b.at ?? b.key));
}
