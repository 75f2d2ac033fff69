import { describe, expect, it } from 'vitest';
import { program } from '../../cli/program';
import { datesToGenerate, parseSize } from '../../operator/operations/generateUploads';
import { parseManifestRef } from '../../operator/operations/redriveManifests';

function helpOf(name: string): string {
  const command = program().commands.find((c) => c.name() === name)!;
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

describe('command help', () => {
  it.each(['local', 'generate', 'status', 'trace', 'reports', 'redrive', 'flush', 'unlock', 'dashboard', 'dlq', 'cost'])(
    '%s --help shows examples and exit codes',
    (name) => {
      // Act
      const help = helpOf(name);

      // Assert
      expect(help).toContain(`Usage: ndjson-parquet ${name}`);
      expect(help).toContain('Examples:');
      expect(help).toContain(`$ ndjson-parquet ${name}`);
      if (name !== 'local') expect(help).toMatch(/Exit codes: 0 /);
    },
  );
});

describe('argument parsing', () => {
  it('generate: one date, a list, or a backfill range, and sizes in KB/MB', () => {
    // Prepare
    const now = new Date('2026-01-30T23:59:00Z');

    // Act / Assert
    expect(datesToGenerate({}, now)).toEqual(['2026-01-30']);
    expect(datesToGenerate({ dates: '2026-01-29,2026-01-27' }, now)).toEqual(['2026-01-27', '2026-01-29']);
    expect(datesToGenerate({ from: '2026-01-28' }, now)).toEqual(['2026-01-28', '2026-01-29', '2026-01-30']);
    expect(() => datesToGenerate({ from: '2026-01-30', to: '2026-01-01' }, now)).toThrow(/before --from/);
    expect(() => datesToGenerate({ date: '2026-01-30', dates: '2026-01-29' }, now)).toThrow(/one of --date/);
    expect(parseSize('100KB')).toBe(102_400);
    expect(parseSize('0.1')).toBe(104_858);
    expect(() => parseSize('lots')).toThrow(/size must look like/);
  });

  it('redrive: a manifest by id, by path, or by name with its date', () => {
    // Act / Assert
    expect(parseManifestRef('2026-01-30-batch-0003-20260130-084800')).toEqual({
      date: '2026-01-30',
      name: 'batch-0003-20260130-084800.json',
    });
    expect(parseManifestRef('s3://m/manifests/2026-01-30/batch-0003-20260130-084800.json')).toEqual({
      date: '2026-01-30',
      name: 'batch-0003-20260130-084800.json',
    });
    expect(parseManifestRef('batch-0003-20260130-084800', '2026-01-30')).toEqual({
      date: '2026-01-30',
      name: 'batch-0003-20260130-084800.json',
    });
    expect(() => parseManifestRef('batch-0003-20260130-084800')).toThrow(/add --date/);
  });
});
