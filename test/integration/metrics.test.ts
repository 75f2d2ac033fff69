import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricName } from '../../contracts/metrics';
import * as catalogue from '../../contracts/metrics';
import { utcDate } from '../../handlers/domain/dates';
import type { BatchingSettings } from '../../handlers/runtimeConfig';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { alarmSpecs } from '../../pulumi/observability/alarms';
import { dashboardBody } from '../../pulumi/observability/dashboard';
import { type BatcherFixture, batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';
import { objectCreated } from '../support/events';
import { OBSERVED_DEV_STACK } from '../support/observabilityInputs';

/**
 * The metric catalogue checked against what the handlers really emit, not against itself: every path below
 * runs the batcher or the sweeper handler against the emulator with the in-memory sink, and the names that
 * come out are compared with the catalogue, the dashboard and the alarms. A metric renamed or dropped at
 * its emit site leaves the dashboard reading a name nobody emits, and fails here.
 */

interface Scenario {
  path: string;
  settings?: Partial<BatchingSettings>;
  /** What the path exists to exercise; each must come out with a non-zero total. */
  emits: MetricName[];
  run(fx: BatcherFixture): Promise<void>;
}

const deleteInput = (fx: BatcherFixture, name: string) =>
  fx.clients.s3.send(new DeleteObjectCommand({ Bucket: fx.config.inputBucket, Key: `${fx.config.inputPrefix}${name}` }));

/** Step Functions refuses the next StartExecution, after the manifest was committed: a flush that fails half-way. */
function refuseNextStart(fx: BatcherFixture): void {
  let refused = false;
  fx.handlerClients.batcher.sfn.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'StartExecutionCommand' && !refused) {
        refused = true;
        throw new Error('Step Functions is unavailable (injected)');
      }
      return next(args);
    },
    { step: 'initialize', name: 'refuseNextStart' },
  );
}

const SCENARIOS: Scenario[] = [
  {
    path: 'a new file, then its event again',
    emits: [catalogue.Metric.FilesTracked, catalogue.Metric.BytesTracked, catalogue.Metric.DuplicateEvents],
    async run(fx) {
      const event = await fx.put(fileName(TODAY, 1));
      await fx.invoke(kinesisEvent([event]));
      await fx.invoke(kinesisEvent([event]));
    },
  },
  {
    // The remainder must stay under half a batch, or it goes out with the full one.
    path: 'a full batch and one file left over',
    settings: { maxBatchFiles: 4 },
    emits: [catalogue.Metric.ManifestsCreated, catalogue.Metric.PendingFiles, catalogue.Metric.PendingBytes],
    async run(fx) {
      await fx.invoke(kinesisEvent(await Promise.all([1, 2, 3, 4, 5].map((n) => fx.put(fileName(TODAY, n))))));
    },
  },
  {
    path: 'records that are not Object Created events for the input bucket',
    emits: [catalogue.Metric.EventsSkipped],
    async run(fx) {
      const foreign = objectCreated({ bucket: 'someone-elses-bucket', key: `${fx.config.inputPrefix}${fileName(TODAY, 1)}`, size: 10 });
      await fx.invoke(kinesisEvent(['not json', foreign]));
    },
  },
  {
    path: 'an object deleted before it was registered',
    emits: [catalogue.Metric.ObjectsMissing],
    async run(fx) {
      const event = await fx.put(fileName(TODAY, 1));
      await deleteInput(fx, fileName(TODAY, 1));
      await fx.invoke(kinesisEvent([event]));
    },
  },
  {
    path: 'a badly named object deleted before it was quarantined',
    emits: [catalogue.Metric.ObjectsMissing],
    async run(fx) {
      const event = await fx.put('undated.ndjson');
      await deleteInput(fx, 'undated.ndjson');
      await fx.invoke(kinesisEvent([event]));
    },
  },
  {
    path: 'a badly named file',
    emits: [catalogue.Metric.FilesQuarantined],
    async run(fx) {
      await fx.invoke(kinesisEvent([await fx.put('undated.ndjson')]));
    },
  },
  {
    path: 'a due date whose lock another worker holds',
    settings: { maxBatchFiles: 1 },
    emits: [catalogue.Metric.LockConflicts],
    async run(fx) {
      await fx.deps('other-worker').tracking.acquireLock(TODAY, 'other-worker');
      await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
    },
  },
  {
    path: 'a flush that fails after its commit, resumed by the sweeper',
    settings: { maxBatchFiles: 1 },
    emits: [catalogue.Metric.FlushFailures, catalogue.Metric.ManifestsResumed],
    async run(fx) {
      refuseNextStart(fx);
      await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
      await fx.sweep();
    },
  },
  {
    path: 'a file that waits for its batch to fill, seen by the sweeper',
    settings: { maxBatchFiles: 10 },
    emits: [catalogue.Metric.OldestPendingAgeSeconds],
    async run(fx) {
      await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
      fx.clock.now = new Date(fx.clock.now.getTime() + 60_000);
      await fx.sweep();
    },
  },
  {
    path: 'a file whose event was lost, found by the sweeper an hour later',
    emits: [catalogue.Metric.ObjectsReconciled],
    async run(fx) {
      fx.clock.now = new Date(Date.now() + 3_600_000);
      await fx.put(fileName(utcDate(fx.clock.now), 1));
      await fx.sweep();
    },
  },
  {
    path: 'a manifest whose execution never finishes',
    settings: { maxBatchFiles: 1, stuckProcessingMinutes: 30 },
    emits: [catalogue.Metric.ManifestsStuck],
    async run(fx) {
      await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
      fx.clock.now = new Date(fx.clock.now.getTime() + 31 * 60_000);
      await fx.sweep();
    },
  },
];

/** Per scenario, every name the sink received, with its total (zero when only zeros were added). */
const emitted = new Map<string, Map<string, number>>();

/** What the handlers emitted, and the metrics the Glue job publishes (held to its source below). */
const emittedNonZero = (): Set<string> =>
  new Set([
    ...[...emitted.values()].flatMap((totals) => [...totals].filter(([, total]) => total > 0).map(([name]) => name)),
    ...GLUE_METRICS,
  ]);

const GLUE_METRICS = catalogue.METRIC_NAMES.filter((name) => catalogue.METRIC_CATALOGUE[name].emittedBy === 'glue');

type MetricLine = (string | Record<string, unknown>)[];

const catalogued = (name: string): name is MetricName => (catalogue.METRIC_NAMES as readonly string[]).includes(name);

const stackInputs = OBSERVED_DEV_STACK;

/** The dashboard's graphs of our namespace: [name, dimension name, dimension value, options]. */
const dashboardLines = (): MetricLine[] =>
  dashboardBody({ ...stackInputs, region: 'us-east-1', streamName: 'np-dev-ingest', glueJobName: 'np-dev-glue', alarmArns: [] })
    .widgets.flatMap((w) => (w.properties.metrics as MetricLine[] | undefined) ?? [])
    .filter((line) => line[0] === catalogue.METRICS_NAMESPACE)
    .map((line) => line.slice(1));

const ourAlarms = () => alarmSpecs(stackInputs).filter((spec) => spec.namespace === catalogue.METRICS_NAMESPACE);

const shownOrAlarmed = (): Set<string> =>
  new Set([...dashboardLines().map((line) => String(line[0])), ...ourAlarms().map((a) => a.metricName)]);

describe('the metric catalogue against what the handlers emit', () => {
  beforeAll(async () => {
    for (const scenario of SCENARIOS) {
      const fx = await batcherFixture(scenario.settings);
      await scenario.run(fx);
      emitted.set(scenario.path, new Map(fx.metrics.totals));
    }
  });

  it.each(SCENARIOS)('$path emits $emits', ({ path, emits }) => {
    const totals = emitted.get(path) ?? new Map<string, number>();
    expect(emits.filter((name) => !((totals.get(name) ?? 0) > 0))).toEqual([]);
  });

  it('emits only catalogued names', () => {
    const names = new Set([...emitted.values()].flatMap((totals) => [...totals.keys()]));
    expect([...names].filter((name) => !catalogued(name))).toEqual([]);
  });

  it('emits every name the dashboard or an alarm reads from our namespace, and each of those is catalogued', () => {
    const emittedNames = emittedNonZero();
    const read = shownOrAlarmed();
    expect([...read].filter((name) => !emittedNames.has(name))).toEqual([]);
    expect([...read].filter((name) => !catalogued(name))).toEqual([]);
  });

  it('emits every catalogued metric, and shows or alarms on each', () => {
    const emittedNames = emittedNonZero();
    const read = shownOrAlarmed();
    expect(catalogue.METRIC_NAMES.filter((name) => !emittedNames.has(name))).toEqual([]);
    expect(catalogue.METRIC_NAMES.filter((name) => !read.has(name))).toEqual([]);
  });

  it("leaves the Glue job's metrics to the job, which spells each name and the service dimension as the catalogue does", () => {
    const source = readFileSync(join(PROJECT_ROOT, 'glue', 'ndjson_parquet', 'metrics.py'), 'utf8');
    expect(GLUE_METRICS).toEqual([catalogue.Metric.InputsChanged, catalogue.Metric.GlueDpuSeconds, catalogue.Metric.GlueInputBytes]);
    for (const name of GLUE_METRICS) expect(source).toContain(`"${name}"`);
    expect(source).toContain(`SERVICE_DIMENSION = "${catalogue.METRICS_SERVICE_DIMENSION}"`);
    const handlerNames = new Set([...emitted.values()].flatMap((totals) => [...totals.keys()]));
    expect(GLUE_METRICS.filter((name) => handlerNames.has(name))).toEqual([]);
  });

  it('reads each catalogued metric by the service dimension alone, with the statistic its kind calls for', () => {
    for (const [name, ...rest] of dashboardLines()) {
      if (typeof name !== 'string' || !catalogued(name)) continue;
      // A hidden input of the cost math may count a Glue metric's datapoints instead (one per run).
      const options = rest[2] as { stat?: string; visible?: boolean };
      const counted = options.visible === false && catalogue.METRIC_CATALOGUE[name].emittedBy === 'glue' && options.stat === 'SampleCount';
      expect(rest, name).toEqual([
        catalogue.METRICS_SERVICE_DIMENSION,
        stackInputs.service,
        expect.objectContaining({ stat: counted ? 'SampleCount' : catalogue.metricStatistic(name) }),
      ]);
    }
    for (const alarm of ourAlarms()) {
      if (!catalogued(alarm.metricName)) continue;
      expect([alarm.dimensions, alarm.statistic], alarm.key).toEqual([
        { [catalogue.METRICS_SERVICE_DIMENSION]: stackInputs.service },
        catalogue.metricStatistic(alarm.metricName),
      ]);
    }
  });
});
