import { type Command, InvalidArgumentError, Option } from 'commander';
import { INGESTION_RATES, type IngestionRate, isIngestionRate } from '../../handlers/domain/generator';
import { nonNegativeNumber } from './numberOptions';

/** The uploads' pace, as `generate` and `local` both take it: a named rate (the seed's), or an explicit delay. */
export interface PaceFlags {
  rate: IngestionRate;
  delay?: number;
}

function rate(value: string): IngestionRate {
  if (!isIngestionRate(value)) throw new InvalidArgumentError(`rate must be one of ${INGESTION_RATES.join(', ')}`);
  return value;
}

export function addPaceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--rate <rate>', `pace between uploads: ${INGESTION_RATES.join('|')} (0/1/5/10 s, random 1-10 s)`)
        .argParser(rate)
        .default('immediate'),
    )
    .option('--delay <seconds>', 'explicit pause between uploads (overrides --rate)', nonNegativeNumber('--delay'));
}
