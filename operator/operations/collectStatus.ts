import { UNDATED_PARTITION } from '../../contracts/trackingSchema';
import { DynamoTrackingStore } from '../../handlers/adapters/dynamoTrackingStore';
import { isCalendarDate } from '../../handlers/domain/dates';
import { TrackingReader } from '../adapters/trackingReader';
import { NotFoundError, UsageError } from '../operatorError';
import type { PipelineTarget } from '../target/pipelineTarget';
import { type DateStatus, dateStatus } from './dateStatus';

export interface StatusQuery {
  date?: string;
  /** Only the most recent N dates (all dates otherwise). */
  days?: number;
  now: Date;
}

export function checkDate(date: string): string {
  if (date !== UNDATED_PARTITION && !isCalendarDate(date))
    throw new UsageError(`--date must be a real YYYY-MM-DD date (or "${UNDATED_PARTITION}"), got "${date}"`);
  return date;
}

export function trackingStore(target: PipelineTarget, now: () => Date): DynamoTrackingStore {
  return new DynamoTrackingStore(target.clients.dynamo, {
    tableName: target.config.tableName,
    ttlDays: target.config.ttlDays,
    lockLeaseSeconds: target.config.lockLeaseSeconds,
    now,
  });
}

/** The dates the table knows: every date with a window (any file ever registered), newest last. */
export async function trackedDates(target: PipelineTarget, now: () => Date): Promise<string[]> {
  const windows = await trackingStore(target, now).listWindows();
  return [...new Set(windows.map((w) => w.date))].sort();
}

/**
 * Each date's status, read at O(pending + manifests + quarantines) items a date (TrackingReader.itemsForStatus),
 * never its file items in bulk. A date is tracked when it has anything a status shows: a window (any file
 * ever registered), a manifest, a marker or a quarantine.
 */
export async function collectStatus(target: PipelineTarget, query: StatusQuery): Promise<DateStatus[]> {
  const reader = new TrackingReader(target.clients.dynamo, target.config.tableName);
  if (query.date) {
    const date = checkDate(query.date);
    const items = await reader.itemsForStatus(date);
    if (items.length === 0) throw new NotFoundError(`nothing is tracked for ${date} in ${target.description}`);
    return [dateStatus(date, items, target.config, query.now)];
  }
  let dates = await trackedDates(target, () => query.now);
  if (query.days !== undefined) dates = dates.slice(-query.days);
  const statuses: DateStatus[] = [];
  for (const date of dates) statuses.push(dateStatus(date, await reader.itemsForStatus(date), target.config, query.now));
  // Undated quarantines have no window; show them when there are any.
  const undated = await reader.itemsForStatus(UNDATED_PARTITION);
  if (undated.length > 0) statuses.push(dateStatus(UNDATED_PARTITION, undated, target.config, query.now));
  return statuses;
}
