/**
 * Writes the Glue job's files as the stack uploads them (GLUE_ARTIFACTS and glueArtifactSource in
 * pulumi/assets.ts) into a directory, each under its name in the scripts bucket: a file is copied, a package
 * is zipped from the entries of the stack's own AssetArchive. Pulumi's engine does that zipping at `pulumi up`;
 * doing it here from the same archive lets test/glue/test_package.py import exactly the package the stack ships.
 *
 * Usage: tsx scripts/write-glue-artifacts.ts <directory>   (prints each path it wrote)
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import * as pulumi from '@pulumi/pulumi';
import { GLUE_ARTIFACTS, glueArtifactFileName, glueArtifactSource } from '../pulumi/assets';

class UnsupportedAssetError extends Error {
  override readonly name = 'UnsupportedAssetError';
}

type Entry = readonly [name: string, data: Buffer];

async function archiveEntries(archive: pulumi.asset.AssetArchive): Promise<Entry[]> {
  const entries = await Promise.all(
    Object.entries(await archive.assets).map(async ([name, asset]): Promise<Entry> => {
      if (!(asset instanceof pulumi.asset.FileAsset)) throw new UnsupportedAssetError(`archive entry ${name} is not a file`);
      return [name, readFileSync(await asset.path)];
    }),
  );
  return entries.sort(([a], [b]) => a.localeCompare(b));
}

/** Little-endian fields of a zip header, each 2 or 4 bytes. */
function fields(...values: (readonly [size: 2 | 4, value: number])[]): Buffer {
  const out = Buffer.alloc(values.reduce((total, [size]) => total + size, 0));
  let at = 0;
  for (const [size, value] of values) {
    if (size === 2) out.writeUInt16LE(value, at);
    else out.writeUInt32LE(value, at);
    at += size;
  }
  return out;
}

const UTF8_NAMES = 0x0800;
const DEFLATE = 8;
const VERSION = 20;
const DOS_1980_01_01 = (1 << 5) | 1; // fixed timestamps: the bytes depend on the contents only

/** A plain zip (deflated entries, no zip64: the package is a few hundred KB), which Python's zipimport reads. */
function zip(entries: readonly Entry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data);
    const common = [
      [2, UTF8_NAMES],
      [2, DEFLATE],
      [2, 0],
      [2, DOS_1980_01_01],
      [4, crc32(data)],
      [4, deflated.length],
      [4, data.length],
      [2, fileName.length],
      [2, 0],
    ] as const;
    const local = Buffer.concat([fields([4, 0x04034b50], [2, VERSION], ...common), fileName, deflated]);
    central.push(fields([4, 0x02014b50], [2, VERSION], [2, VERSION], ...common, [2, 0], [2, 0], [2, 0], [4, 0], [4, offset]), fileName);
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(central);
  const end = fields([4, 0x06054b50], [2, 0], [2, 0], [2, entries.length], [2, entries.length], [4, directory.length], [4, offset], [2, 0]);
  return Buffer.concat([...locals, directory, end]);
}

async function writeArtifacts(directory: string): Promise<string[]> {
  mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  for (const artifact of GLUE_ARTIFACTS) {
    const target = path.join(directory, glueArtifactFileName(artifact));
    const source = glueArtifactSource(artifact);
    if (source instanceof pulumi.asset.AssetArchive) writeFileSync(target, zip(await archiveEntries(source)));
    else if (source instanceof pulumi.asset.FileAsset) copyFileSync(await source.path, target);
    else throw new UnsupportedAssetError(`Glue ${artifact.kind} ${artifact.path} is neither a file nor an archive of files`);
    written.push(target);
  }
  return written;
}

const directory = process.argv[2];
if (!directory) {
  console.error('usage: tsx scripts/write-glue-artifacts.ts <directory>');
  process.exit(2);
}
for (const written of await writeArtifacts(directory)) console.log(written);
