import type { Prices } from '../../contracts/prices';
import { USAGE } from './measuredUsage';

/**
 * Amazon Data Firehose (Direct PUT) converting the same NDJSON to Parquet in S3, priced the way a competent
 * Firehose user would send it: producers put records straight on Firehose (no input files), each Firehose
 * record packing as many whole NDJSON lines as fit in 1,000 KiB. Format conversion accepts several JSON
 * documents in one record (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html:
 * `{"a":1}{"a":2}` is valid input), so the 5 KB rounding of each record costs at most 5 KB per ~1 MB sent.
 * The naive way, one line per record, is shown too: each line is then billed as 5 KB.
 */

export const GIB = 1024 ** 3;
const TIB = 1024 * GIB;

/** Direct PUT ingestion tiers per month (GB), the price key of each. */
const INGEST_TIERS: { upToGb: number; price: keyof Prices }[] = [
  { upToGb: (500 * TIB) / GIB, price: 'firehoseIngestGb' },
  { upToGb: (2048 * TIB) / GIB, price: 'firehoseIngestGbOver500Tb' },
  { upToGb: Number.POSITIVE_INFINITY, price: 'firehoseIngestGbOver2Pb' },
];

export interface FirehoseVolume {
  filesPerMonth: number;
  fileBytes: number;
  /** Bytes of one NDJSON line, newline included. */
  recordBytes: number;
}

export interface FirehoseCost {
  usdPerMonth: number;
  ingestUsd: number;
  conversionUsd: number;
  s3Usd: number;
  /** GB as sent, and as billed after each record is rounded up to 5 KB. */
  sentGb: number;
  billedGb: number;
  recordsPerFile: number;
  /** billedGb / sentGb - 1: what the 5 KB rounding adds when lines are packed. */
  roundingOverhead: number;
  /** The same volume sent one NDJSON line per Firehose record. */
  naiveOneLinePerRecord: { billedGb: number; usdPerMonth: number };
}

function roundUp(bytes: number, unit: number): number {
  return Math.ceil(bytes / unit) * unit;
}

/** Ingestion across the monthly tiers. */
export function firehoseIngestUsd(billedGb: number, prices: Prices): number {
  let usd = 0;
  let from = 0;
  for (const tier of INGEST_TIERS) {
    if (billedGb <= from) break;
    usd += (Math.min(billedGb, tier.upToGb) - from) * prices[tier.price];
    from = tier.upToGb;
  }
  return usd;
}

/** Billed bytes of one file sent as records of whole lines, each at most maxRecordBytes. */
export function packedBilledBytes(fileBytes: number, recordBytes: number): { billedBytes: number; records: number } {
  const linesPerRecord = Math.max(1, Math.floor(USAGE.firehoseMaxRecordBytes / recordBytes));
  const fullRecordBytes = linesPerRecord * recordBytes;
  const fullRecords = Math.floor(fileBytes / fullRecordBytes);
  const rest = fileBytes - fullRecords * fullRecordBytes;
  const billedBytes =
    fullRecords * roundUp(fullRecordBytes, USAGE.firehoseRoundingBytes) + (rest > 0 ? roundUp(rest, USAGE.firehoseRoundingBytes) : 0);
  return { billedBytes, records: fullRecords + (rest > 0 ? 1 : 0) };
}

export function firehoseCost(volume: FirehoseVolume, prices: Prices, parquetGbMonthUsd: number): FirehoseCost {
  const sentGb = (volume.filesPerMonth * volume.fileBytes) / GIB;
  const packed = packedBilledBytes(volume.fileBytes, volume.recordBytes);
  const billedGb = (volume.filesPerMonth * packed.billedBytes) / GIB;
  const ingestUsd = firehoseIngestUsd(billedGb, prices);
  const conversionUsd = billedGb * prices.firehoseFormatConversionGb;
  // Firehose writes a Parquet object per buffer (at most 128 MiB); the Parquet is stored like ours.
  const objects = (sentGb * GIB) / USAGE.parquetCompressionRatio / USAGE.firehoseBufferBytes;
  const s3Usd = (objects / 1000) * prices.s3PutPerThousand + parquetGbMonthUsd;
  const lines = Math.ceil(volume.fileBytes / volume.recordBytes);
  const naiveBilledGb = (volume.filesPerMonth * lines * roundUp(volume.recordBytes, USAGE.firehoseRoundingBytes)) / GIB;
  const naiveUsd = firehoseIngestUsd(naiveBilledGb, prices) + naiveBilledGb * prices.firehoseFormatConversionGb + s3Usd;
  return {
    usdPerMonth: ingestUsd + conversionUsd + s3Usd,
    ingestUsd,
    conversionUsd,
    s3Usd,
    sentGb,
    billedGb,
    recordsPerFile: packed.records,
    roundingOverhead: sentGb > 0 ? billedGb / sentGb - 1 : 0,
    naiveOneLinePerRecord: { billedGb: naiveBilledGb, usdPerMonth: naiveUsd },
  };
}
