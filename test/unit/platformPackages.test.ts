import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` refuses a required package whose `os`/`cpu` do not fit the machine (EBADPLATFORM), so one
 * platform-only package outside optionalDependencies breaks every install on the other platforms. The
 * Node binaries the tools run on (the system Node may be 20) come one per platform for that reason.
 */

const ROOT = resolve(import.meta.dirname, '../..');

interface LockEntry {
  version: string;
  optional?: boolean;
  os?: string | string[];
  cpu?: string | string[];
  bin?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };

describe('platform-specific packages', () => {
  it('are all optional, so npm skips the ones for other machines instead of failing', () => {
    const required = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && (entry.os || entry.cpu) && !entry.optional)
      .map(([path]) => path);
    expect(required).toEqual([]);
  });

  it('bring a Node >= 22 to Linux and macOS, on x64 and arm64, pinned as the lock has it', () => {
    const binaries = Object.entries(manifest.optionalDependencies ?? {})
      .map(([name, pinned]) => ({ name, pinned, entry: lock.packages[`node_modules/${name}`] }))
      .filter(({ entry }) => entry?.bin?.node);

    expect(binaries.map(({ entry }) => `${entry?.os}-${entry?.cpu}`).sort()).toEqual([
      'darwin-arm64',
      'darwin-x64',
      'linux-arm64',
      'linux-x64',
    ]);
    for (const { name, pinned, entry } of binaries) {
      expect(entry?.version, name).toBe(pinned);
      expect(Number(pinned.split('.')[0]), name).toBeGreaterThanOrEqual(22);
    }
  });
});
