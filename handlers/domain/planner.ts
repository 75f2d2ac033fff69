/**
 * Batch planning for one date. Pure: the caller supplies the date's pending files and the limits.
 *
 * Rules (from the seed system, kept for its users):
 * - a batch closes at `maxBatchBytes` or `maxBatchFiles`, whichever comes first;
 * - a single file larger than a batch travels alone;
 * - full batches go out at once; the remainder waits, except that a remainder of at least half a batch
 *   (bytes or files) goes out with them, and `flushAll` (previous UTC day, or too old) sends it anyway.
 * Files go out oldest first, so a file cannot be overtaken forever by newer ones.
 */

export interface PendingFile {
  date: string;
  key: string;
  sizeBytes: number;
  /** ISO-8601 UTC arrival time. */
  createdAt: string;
}

export interface BatchLimits {
  maxBatchBytes: number;
  maxBatchFiles: number;
}

export interface PlannedBatch<F extends PendingFile = PendingFile> {
  files: F[];
  totalBytes: number;
  /** Why the batch went out: it filled up, or it is a remainder sent by the half-batch rule or a flush. */
  reason: 'full' | 'half-batch' | 'flush';
}

export interface BatchPlan<F extends PendingFile = PendingFile> {
  batches: PlannedBatch<F>[];
  remainder: F[];
  remainderBytes: number;
}

export class MixedDatesError extends Error {
  override readonly name = 'MixedDatesError';
  constructor(readonly dates: string[]) {
    super(`a batch may hold files of one date only; got ${dates.join(', ')}`);
  }
}

export function byArrival(a: PendingFile, b: PendingFile): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function planBatches<F extends PendingFile>(
  pending: readonly F[],
  limits: BatchLimits,
  options: { flushAll: boolean },
): BatchPlan<F> {
  const dates = [...new Set(pending.map((f) => f.date))];
  if (dates.length > 1) throw new MixedDatesError(dates);

  const ordered = [...new Map(pending.map((f) => [f.key, f])).values()].sort(byArrival);
  const closed: PlannedBatch<F>[] = [];
  let open: F[] = [];
  let openBytes = 0;

  for (const file of ordered) {
    const wouldOverflow = openBytes + file.sizeBytes > limits.maxBatchBytes;
    if (open.length > 0 && wouldOverflow) {
      closed.push({ files: open, totalBytes: openBytes, reason: 'full' });
      open = [];
      openBytes = 0;
    }
    open.push(file);
    openBytes += file.sizeBytes;
    if (open.length >= limits.maxBatchFiles || openBytes >= limits.maxBatchBytes) {
      closed.push({ files: open, totalBytes: openBytes, reason: 'full' });
      open = [];
      openBytes = 0;
    }
  }

  if (open.length === 0) return { batches: closed, remainder: [], remainderBytes: 0 };
  if (options.flushAll) {
    return { batches: [...closed, { files: open, totalBytes: openBytes, reason: 'flush' }], remainder: [], remainderBytes: 0 };
  }
  if (isAtLeastHalfBatch(open.length, openBytes, limits)) {
    return { batches: [...closed, { files: open, totalBytes: openBytes, reason: 'half-batch' }], remainder: [], remainderBytes: 0 };
  }
  return { batches: closed, remainder: open, remainderBytes: openBytes };
}

export function isAtLeastHalfBatch(files: number, bytes: number, limits: BatchLimits): boolean {
  return files * 2 >= limits.maxBatchFiles || bytes * 2 >= limits.maxBatchBytes;
}
