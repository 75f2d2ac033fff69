import { Metric } from '../../contracts/metrics';
import type { ReconcileItem, TrackingItem } from '../../contracts/trackingSchema';
import {
  type Classified,
  classifyObjects,
  countStates,
  datePrefix,
  type ListedObject,
  objectCreatedRecord,
  type ReconcileCounts,
  recentDates,
} from '../domain/reconcile';
import type { BatchingDeps } from './deps';
import { describeError } from './describeError';
import { ingestRecords } from './ingestRecords';

/** One page of the input listing, in key order. */
export interface ListingPage {
  objects: ListedObject[];
  /** More keys follow the last one of this page. */
  truncated: boolean;
}

export interface InputLister {
  /** Up to `maxKeys` objects under `prefix` whose keys sort after `startAfter` (ListObjectsV2 StartAfter). */
  listPage(bucket: string, prefix: string, startAfter: string | null, maxKeys: number): Promise<ListingPage>;
}

export interface ReconcileStore {
  /** The file, pending and quarantine items there are for these objects (matched by object key). */
  itemsFor(objects: readonly ListedObject[]): Promise<TrackingItem[]>;
  getCursor(date: string): Promise<ReconcileItem | null>;
  /** Saves where the next bounded run goes on in the date's listing; null starts the next pass at the beginning. */
  saveCursor(date: string, startAfter: string | null, passes: number): Promise<void>;
}

export interface ReconcileDeps extends BatchingDeps {
  lister: InputLister;
  reconcile: ReconcileStore;
}

/** ListObjectsV2 returns at most 1,000 keys a request (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). */
export const LIST_PAGE_MAX = 1000;

export interface ScanOptions {
  prefix: string;
  /** Go on after this key; null: from the beginning of the prefix. */
  startAfter: string | null;
  graceSeconds: number;
  /** Stop once this many objects were listed (the page in hand is finished). */
  maxObjects: number;
  /** Epoch ms after which no further page is listed. */
  deadline?: number;
  /** Only objects modified at or after this time. */
  since?: Date;
  apply: boolean;
  pageSize?: number;
}

export interface ApplyResult {
  /** Registered for the first time by this run: their events had been lost. */
  registered: number;
  quarantined: number;
  /** Registered by someone else (the live pipeline, another reconcile) before this run got to them. */
  duplicates: number;
  /** Deleted between the listing and the registration. */
  missing: number;
  failed: number;
  errors: string[];
}

export interface ScanResult {
  counts: ReconcileCounts;
  untracked: ListedObject[];
  applied: ApplyResult | null;
  /** Where the listing stopped: the key to go on after, or null when it reached the end of the prefix. */
  startAfter: string | null;
}

const emptyApply = (): ApplyResult => ({ registered: 0, quarantined: 0, duplicates: 0, missing: 0, failed: 0, errors: [] });

/**
 * Lists `prefix` page by page (StartAfter, so the position is a key that can be saved), reads the tracking
 * items of each page's objects, and with `apply` feeds the untracked ones to the batcher's own ingest.
 */
export async function scanInput(deps: ReconcileDeps, options: ScanOptions): Promise<ScanResult> {
  const classified: Classified[] = [];
  const applied = options.apply ? emptyApply() : null;
  const pageSize = Math.min(options.pageSize ?? LIST_PAGE_MAX, LIST_PAGE_MAX);
  let startAfter = options.startAfter;
  let listed = 0;
  for (;;) {
    const page = await deps.lister.listPage(
      deps.config.inputBucket,
      options.prefix,
      startAfter,
      Math.max(1, Math.min(pageSize, options.maxObjects - listed)),
    );
    listed += page.objects.length;
    const considered = options.since
      ? page.objects.filter((o) => Date.parse(o.lastModified) >= (options.since as Date).getTime())
      : page.objects;
    const items = considered.length > 0 ? await deps.reconcile.itemsFor(considered) : [];
    const pageStates = classifyObjects(considered, items, { now: deps.now(), graceSeconds: options.graceSeconds });
    classified.push(...pageStates);
    if (applied)
      addApply(
        applied,
        await applyUntracked(
          deps,
          pageStates.filter((c) => c.state === 'untracked').map((c) => c.object),
        ),
      );
    const last = page.objects.at(-1);
    if (!page.truncated || !last) return finish(classified, applied, null);
    startAfter = last.key;
    if (listed >= options.maxObjects || (options.deadline !== undefined && Date.now() >= options.deadline))
      return finish(classified, applied, startAfter);
  }
}

function finish(classified: Classified[], applied: ApplyResult | null, startAfter: string | null): ScanResult {
  return {
    counts: countStates(classified),
    untracked: classified.filter((c) => c.state === 'untracked').map((c) => c.object),
    applied,
    startAfter,
  };
}

function addApply(total: ApplyResult, part: ApplyResult): void {
  total.registered += part.registered;
  total.quarantined += part.quarantined;
  total.duplicates += part.duplicates;
  total.missing += part.missing;
  total.failed += part.failed;
  total.errors.push(...part.errors);
}

/**
 * The untracked objects through ingestRecords, as the Object Created events they never delivered: the same
 * naming, size and quarantine rules, and the same conditional registration, so an object that the live
 * pipeline or a second reconcile registers at the same moment is counted once, as a duplicate here.
 */
export async function applyUntracked(deps: BatchingDeps, objects: readonly ListedObject[]): Promise<ApplyResult> {
  if (objects.length === 0) return emptyApply();
  const records = objects.map((object, index) => ({
    id: object.key,
    data: objectCreatedRecord(deps.config.inputBucket, object, `reconcile-${deps.owner}-${index}`),
  }));
  const ingest = await ingestRecords(deps, records);
  return {
    registered: ingest.registered,
    quarantined: ingest.quarantined.length,
    duplicates: ingest.duplicates,
    missing: ingest.skipped.filter((s) => s.reason === 'source-missing').length,
    failed: ingest.failedIds.length,
    errors: ingest.errors.map((e) => e.message),
  };
}

export interface SweepReconcileLimits {
  /** Objects modified more recently are left to the live pipeline. */
  graceSeconds: number;
  /** Objects listed per sweep over all dates; the rest is taken up by the next sweep. */
  maxObjects: number;
  /** Time a sweep may spend reconciling. */
  budgetMs: number;
  pageSize?: number;
}

export interface DateReconcile {
  date: string;
  counts: ReconcileCounts;
  reconciled: number;
  /** Where the next sweep goes on; null: this pass reached the end of the date. */
  startAfter: string | null;
}

export interface SweepReconcileResult {
  dates: DateReconcile[];
  /** Objects found untracked and registered or quarantined by this sweep: events that were lost. */
  reconciled: number;
  errors: { date_prefix: string; message: string }[];
}

/**
 * The sweeper's own reconcile of recent dates, bounded per run: it goes on from each date's saved
 * position (RECONCILE#<date>) and saves where it stopped, so a date of 100,000 objects is gone through over
 * several sweeps instead of timing one out. A finished pass starts over at the next sweep.
 */
export async function reconcileRecentDates(
  deps: ReconcileDeps,
  limits: SweepReconcileLimits,
  dates: readonly string[] = recentDates(deps.now()),
): Promise<SweepReconcileResult> {
  const deadline = Date.now() + limits.budgetMs;
  const result: SweepReconcileResult = { dates: [], reconciled: 0, errors: [] };
  let listed = 0;
  for (const date of dates) {
    if (listed >= limits.maxObjects || Date.now() >= deadline) break;
    try {
      const cursor = await deps.reconcile.getCursor(date);
      const scan = await scanInput(deps, {
        prefix: datePrefix(deps.config.inputPrefix, date),
        startAfter: cursor?.startAfter ?? null,
        graceSeconds: limits.graceSeconds,
        maxObjects: limits.maxObjects - listed,
        deadline,
        apply: true,
        ...(limits.pageSize ? { pageSize: limits.pageSize } : {}),
      });
      listed += scan.counts.listed;
      const applied = scan.applied ?? emptyApply();
      const reconciled = applied.registered + applied.quarantined;
      result.reconciled += reconciled;
      if (applied.failed > 0) {
        result.errors.push({
          date_prefix: date,
          message: `${applied.failed} lost object(s) could not be ingested: ${applied.errors.join('; ')}`,
        });
        // Not past them: the next sweep lists them again.
        await deps.reconcile.saveCursor(date, cursor?.startAfter ?? null, cursor?.passes ?? 0);
      } else if (scan.counts.listed > 0 || cursor) {
        await deps.reconcile.saveCursor(date, scan.startAfter, (cursor?.passes ?? 0) + (scan.startAfter === null ? 1 : 0));
      }
      result.dates.push({ date, counts: scan.counts, reconciled, startAfter: scan.startAfter });
      if (reconciled > 0)
        deps.log.warn('objects with no tracking record were found and ingested: their events were lost', {
          date,
          reconciled,
          duplicates: applied.duplicates,
        });
    } catch (error) {
      result.errors.push({ date_prefix: date, message: describeError(error) });
      deps.log.error('reconcile of a date failed; the next sweep tries again', { date, error: describeError(error) });
    }
  }
  deps.metrics.add(Metric.ObjectsReconciled, result.reconciled);
  return result;
}
