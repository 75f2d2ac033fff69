import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localCommand } from '../../cli/commands/localCommand';
import { type LocalFlags, localSettings } from '../../cli/commands/localSettings';
import { PROJECT_ROOT } from '../../local/projectRoot';

/** The flags as commander hands them to the action, defaults included. */
function parsed(argv: string[]): LocalFlags {
  const command = localCommand();
  command.parseOptions(argv);
  return command.opts<LocalFlags>();
}

describe('localSettings', () => {
  it('maps every pipeline flag to the runtime options, in seconds turned to ms, paths resolved', () => {
    // Prepare
    const flags = parsed([
      '--generate',
      '6',
      '--dates',
      '2',
      '--records',
      '7',
      '--seed',
      's',
      '--input',
      'samples',
      '--rate',
      'fast',
      '--delay',
      '0.5',
      '--duplicates',
      '2',
      '--concurrency',
      '3',
      '--reorder',
      '--chaos',
      '0.1',
      '--max-batch-files',
      '4',
      '--lock-lease',
      '15',
      '--batching-window',
      '1',
      '--sweep-interval',
      '2',
      '--fail-glue-for',
      '2026-01-30',
      '--run-dir',
      'runs/x',
      '--key-encoding',
      'percent',
      '--stack-file',
      'stacks/Pulumi.try.yaml',
    ]);

    // Act
    const settings = localSettings(flags, 'stamp');

    // Assert
    expect(settings).toEqual({
      runtime: {
        runDir: resolve('runs/x'),
        stackFile: resolve('stacks/Pulumi.try.yaml'),
        thresholds: { maxBatchFiles: 4, lockLeaseSeconds: 15 },
        batchingWindowMs: 1000,
        concurrency: 3,
        duplicates: 2,
        reorder: true,
        chaosRate: 0.1,
        failGlueForDates: ['2026-01-30'],
        sweepIntervalMs: 2000,
        keyEncoding: 'percent',
      },
      sources: { generate: { files: 6, dates: 2, recordsPerFile: 7, seed: 's' }, inputDir: resolve('samples') },
      pace: { rate: 'fast', delaySeconds: 0.5 },
    });
  });

  it('refuses a key encoding other than form, percent and raw', () => {
    const command = localCommand()
      .exitOverride()
      .configureOutput({ writeErr: () => {} });
    expect(() => command.parse(['--key-encoding', 'base64', '--generate', '1'], { from: 'user' })).toThrow(
      /Allowed choices are form, percent, raw/,
    );
  });

  it('leaves out what was not given, so the runtime keeps the stack settings; keys are spelled as S3 documents', () => {
    // Act
    const settings = localSettings(parsed(['--generate', '1']), 'stamp');

    // Assert
    expect(settings).toEqual({
      runtime: { runDir: join(PROJECT_ROOT, '.local', 'runs', 'stamp'), reorder: false, sweepIntervalMs: 5000, keyEncoding: 'form' },
      sources: { generate: { files: 1, dates: 1, recordsPerFile: 100 } },
      pace: { rate: 'immediate' },
    });
  });
});
