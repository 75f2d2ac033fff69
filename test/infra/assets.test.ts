import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GLUE_ARTIFACTS,
  GlueRequirementsError,
  glueAdditionalPythonModules,
  glueArtifactFileName,
  glueArtifactLocation,
  glueArtifactSource,
  LAMBDA_HANDLER,
  loadBuildScript,
  MissingArtifactError,
  packageFiles,
  REPO_ROOT,
} from '../../pulumi/assets';

/**
 * The real Lambda bundles (esbuild, through scripts/build-lambdas.mjs, exactly as `pulumi up` builds them)
 * and the Glue files the stack uploads. A missing handler or script fails here, by name.
 */

const outdir = mkdtempSync(path.join(tmpdir(), 'ndjson-parquet-lambda-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const script = await loadBuildScript();
const entries = Object.entries(script.LAMBDA_ENTRIES);

describe('Lambda bundles', () => {
  it('cover the batcher, the sweeper and the generator', () => {
    // Arrange / Act
    const names = entries.map(([name]) => name).sort();
    // Assert
    expect(names).toEqual(['batcher', 'generator', 'sweeper']);
  });

  it.each(entries)('%s: the entry %s exists', (_name, entry) => {
    // Arrange
    const file = path.join(REPO_ROOT, entry);
    // Act
    const exists = existsSync(file);
    // Assert
    expect(exists, `${entry} is missing: the ${_name} Lambda cannot be bundled`).toBe(true);
  });

  it.each(entries)('%s bundles into one ES module that exports handler', async (name) => {
    // Arrange
    const build = () => script.buildLambda(name, { outdir });
    // Act
    const result = await build();
    const bundle = path.join(result.dir, 'index.mjs');
    const module = (await import(pathToFileURL(bundle).href)) as { handler?: unknown };
    // Assert
    expect(result.handler).toBe(LAMBDA_HANDLER);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(typeof module.handler).toBe('function');
    expect(result.bytes).toBeLessThan(5 * 1024 * 1024);
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
  });

  it('names a missing entry instead of half-building', async () => {
    // Arrange
    const buildScript = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'build-lambdas.mjs')).href)) as {
      MissingEntryError: new (name: string, entry: string) => Error;
      lambdaBuildOptions: (name: string, outdir?: string) => Record<string, unknown>;
    };
    // Act
    const error = new buildScript.MissingEntryError('batcher', 'handlers/batcher.ts');
    const options = buildScript.lambdaBuildOptions('batcher', outdir);
    // Assert
    expect(error.message).toBe('Lambda "batcher": entry handlers/batcher.ts does not exist (expected a module exporting `handler`)');
    expect(options).toMatchObject({ platform: 'node', target: 'node22', format: 'esm', bundle: true });
    expect(() => buildScript.lambdaBuildOptions('nope')).toThrow(/unknown Lambda "nope"/);
  });
});

describe('Glue job files', () => {
  it('list exactly one script, the job entry point', () => {
    // Arrange / Act
    const scripts = GLUE_ARTIFACTS.filter((a) => a.kind === 'script');
    // Assert
    expect(scripts.map((a) => a.path)).toEqual(['ndjson_to_parquet.py']);
  });

  it.each(GLUE_ARTIFACTS.filter((a) => !a.built).map((a) => [a.path, a.kind] as const))('glue/%s (%s) exists in the repository', (file) => {
    // Arrange
    const location = path.join(REPO_ROOT, 'glue', file);
    // Act
    const exists = existsSync(location);
    // Assert
    expect(exists, `glue/${file} is missing: the stack would fail to upload it`).toBe(true);
  });

  it.each(GLUE_ARTIFACTS.map((a) => [a.path, a] as const))('glue/%s becomes an upload source Glue can use', (_path, artifact) => {
    // Arrange
    const present = existsSync(glueArtifactLocation(artifact));
    // Act
    const source = present ? glueArtifactSource(artifact) : undefined;
    // Assert
    expect(present, `${glueArtifactLocation(artifact)} is missing`).toBe(true);
    if (/\.(py|jar)$/.test(artifact.path)) {
      expect(source).toBeInstanceOf(pulumi.asset.FileAsset);
      expect(glueArtifactFileName(artifact)).toBe(artifact.path);
    } else {
      expect(source).toBeInstanceOf(pulumi.asset.AssetArchive);
      expect(glueArtifactFileName(artifact)).toBe(`${artifact.path}.zip`);
      const files = packageFiles(artifact.path);
      expect(files).toContain(`${artifact.path}/__init__.py`);
      expect(files.every((f) => f.startsWith(`${artifact.path}/`) && f.endsWith('.py') && !f.includes('__pycache__'))).toBe(true);
    }
  });

  it('refuses a listed file that is not there, naming it', () => {
    // Arrange
    const missing = { path: 'no_such_script.py', kind: 'script' as const };
    // Act
    const attempt = () => glueArtifactSource(missing);
    // Assert
    expect(attempt).toThrow(MissingArtifactError);
    expect(attempt).toThrow('Glue script glue/no_such_script.py does not exist (listed in GLUE_ARTIFACTS, pulumi/assets.ts)');
  });

  it('ships the JVM parser built by setup as an extra jar, and says how to build it when it is missing', () => {
    // Arrange
    const jar = GLUE_ARTIFACTS.find((a) => a.kind === 'extra-jars');
    const unbuilt = { path: 'not-built.jar', kind: 'extra-jars' as const, built: true };
    // Act
    const attempt = () => glueArtifactSource(unbuilt);
    // Assert
    expect(jar).toEqual({ path: 'ndjson-parquet-glue.jar', kind: 'extra-jars', built: true });
    expect(glueArtifactLocation(jar!)).toBe(path.join(REPO_ROOT, 'build', 'ndjson-parquet-glue.jar'));
    expect(attempt).toThrow('Glue extra-jars build/not-built.jar has not been built: run `npm run setup` before `pulumi up`');
  });
});

describe("the Glue job's module pins (glue/requirements.txt)", () => {
  it('pin boto3 and botocore exactly, at the versions the local venv runs the job with', () => {
    // Arrange
    const pins = glueAdditionalPythonModules().split(',');
    const names = pins.map((pin) => pin.split('==')[0]!);
    // Act
    const installed = JSON.parse(
      execFileSync(
        path.join(REPO_ROOT, '.venv', 'bin', 'python'),
        ['-c', 'import json, sys, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))', ...names],
        { encoding: 'utf8' },
      ),
    ) as Record<string, string>;
    // Assert
    expect(names).toEqual(expect.arrayContaining(['boto3', 'botocore']));
    expect(pins).toEqual(names.map((name) => `${name}==${installed[name]}`));
  });

  it('refuses a pin that is not exact, naming it', () => {
    // Arrange
    const text = '# header\nboto3==1.40.61\nbotocore>=1.35\n';
    // Act
    const attempt = () => glueAdditionalPythonModules(text);
    // Assert
    expect(attempt).toThrow(GlueRequirementsError);
    expect(attempt).toThrow('"botocore>=1.35" is not an exact pin');
  });
});
