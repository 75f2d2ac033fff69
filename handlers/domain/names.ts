import { isReservedKey } from '../../contracts/trackingSchema';
import { isCalendarDate } from './dates';

/**
 * Input object names. A valid name's basename is `YYYY-MM-DD-<rest>.ndjson` with a real calendar date;
 * keys may carry a prefix (`pipeline/input/`). Everything else is quarantined with one of these reasons.
 */
export type QuarantineReason =
  | 'no-date-prefix'
  | 'bad-date-format'
  | 'impossible-date'
  | 'wrong-extension'
  | 'empty-name'
  | 'reserved-key'
  | 'empty-object'
  | 'too-large';

export const QUARANTINE_REASONS: Record<QuarantineReason, string> = {
  'no-date-prefix': 'name does not start with a YYYY-MM-DD- date prefix',
  'bad-date-format': 'date prefix is not in YYYY-MM-DD form (e.g. 20251223-x.ndjson)',
  'impossible-date': 'date prefix is not a real calendar date',
  'wrong-extension': 'name does not end in .ndjson',
  'empty-name': 'name has nothing between the date prefix and .ndjson',
  'reserved-key': 'key collides with a tracking-table reserved prefix',
  'empty-object': 'object is empty (0 bytes)',
  'too-large': 'object is larger than the configured maxFileBytes',
};

export type ParsedName =
  | { ok: true; date: string; basename: string }
  | { ok: false; reason: QuarantineReason; date?: string; basename: string };

export const INPUT_EXTENSION = '.ndjson';

export function basenameOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash === -1 ? key : key.slice(slash + 1);
}

export function parseInputKey(key: string): ParsedName {
  const basename = basenameOf(key);
  if (isReservedKey(key)) {
    return { ok: false, reason: 'reserved-key', basename };
  }
  const datePart = /^(\d{4}-\d{2}-\d{2})-/.exec(basename);
  if (!datePart) {
    const reason = /^\d{8}[-_]/.test(basename) || /^\d{4}([-_.])\d{1,2}\1\d{1,2}[-_]/.test(basename) ? 'bad-date-format' : 'no-date-prefix';
    return { ok: false, reason, basename };
  }
  const date = datePart[1] as string;
  if (!isCalendarDate(date)) return { ok: false, reason: 'impossible-date', date, basename };
  if (!basename.endsWith(INPUT_EXTENSION)) return { ok: false, reason: 'wrong-extension', date, basename };
  if (basename.length === date.length + 1 + INPUT_EXTENSION.length) {
    return { ok: false, reason: 'empty-name', date, basename };
  }
  return { ok: true, date, basename };
}

/** Size rules applied after the name is valid. */
export function checkSize(sizeBytes: number, maxFileBytes: number): QuarantineReason | null {
  if (sizeBytes <= 0) return 'empty-object';
  if (sizeBytes > maxFileBytes) return 'too-large';
  return null;
}
