import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GlueSizing, glueCapacityTiers, glueRunCapacity } from '../../handlers/orchestration/glueCapacity';
import { capacityResult, stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';
import { glueRunSizer, sizedCapacity } from '../support/sizeGlueRun';

type State = {
  Type: string;
  Parameters?: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> };
  Retry?: { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
};

/** Prod's sizing (Pulumi.prod.yaml): G.1X, 2 to 10 workers, the default 300 s target. */
const PROD_SIZING: GlueSizing = {
  workerType: 'G.1X',
  numberOfWorkers: 10,
  minWorkers: 2,
  executionClass: 'STANDARD',
  targetRunSeconds: 300,
};

const definitionOf = (glueRunRetries: number, glueSizing: GlueSizing = PROD_SIZING) =>
  stateMachineDefinition({ tableName: 't', glueJobName: 'g', glueRunRetries, glueSizing });

const statesOf = (glueRunRetries: number) => (definitionOf(glueRunRetries) as { States: Record<string, State> }).States;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const sizingArbitrary: fc.Arbitrary<GlueSizing> = fc
  .record({
    workerType: fc.constantFrom('G.1X', 'G.2X', 'G.4X', 'G.8X'),
    minWorkers: fc.integer({ min: 2, max: 20 }),
    extraWorkers: fc.integer({ min: 0, max: 40 }),
    executionClass: fc.constantFrom('STANDARD', 'FLEX'),
    targetRunSeconds: fc.integer({ min: 60, max: 3600 }),
  })
  .map(({ extraWorkers, ...rest }) => ({ ...rest, numberOfWorkers: rest.minWorkers + extraWorkers }));

/** Byte counts anywhere up to 2 TiB, and on and either side of every tier's bound, where an off-by-one would show. */
const bytesFor = (sizing: GlueSizing): fc.Arbitrary<number> => {
  const bounds = glueCapacityTiers(sizing).flatMap((t) => (t.upToBytes === undefined ? [] : [t.upToBytes]));
  const nearBound =
    bounds.length > 0 ? [fc.tuple(fc.constantFrom(...bounds), fc.integer({ min: -1, max: 1 })).map(([b, d]) => Math.max(0, b + d))] : [];
  return fc.oneof(fc.integer({ min: 0, max: 2 * 1024 * GiB }), ...nearBound);
};

describe('stateMachineDefinition', () => {
  it.each(['MarkCompleted', 'MarkFailed'])('%s writes only a record this execution owns, and ends Superseded when it does not', (name) => {
    // Arrange
    const states = statesOf(1);
    // Act
    const state = states[name]!;
    // Assert
    expect(state.Parameters?.ConditionExpression).toBe('execution_arn = :execution');
    expect(state.Parameters?.ExpressionAttributeValues?.[':execution']).toEqual({ 'S.$': '$$.Execution.Id' });
    expect(state.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'Superseded' }),
    ]);
    expect(states.Superseded?.Type).toBe('Succeed');
  });

  it('records the owning execution when it takes the record: MarkProcessing sets execution_arn', () => {
    // Arrange
    const states = statesOf(1);
    // Act
    const values = states.MarkProcessing!.Parameters?.ExpressionAttributeValues;
    // Assert
    expect(values?.[':execution']).toEqual({ 'S.$': '$$.Execution.Id' });
  });

  it.each([
    [0, []],
    [2, [2]],
  ])('retries a failed Glue run glueRunRetries (%i) times, itself', (retries, attempts) => {
    // Arrange
    const states = statesOf(retries);
    // Act
    const taskFailed = (states.RunGlue!.Retry ?? []).filter((r) => r.ErrorEquals.includes('States.TaskFailed'));
    // Assert
    expect(taskFailed.map((r) => r.MaxAttempts)).toEqual(attempts);
  });

  it('SizeGlueRun gives exactly glueRunCapacity(total_bytes), for any sizing config and byte count', async () => {
    await fc.assert(
      fc.asyncProperty(
        sizingArbitrary.chain((sizing) => fc.tuple(fc.constant(sizing), fc.array(bytesFor(sizing), { minLength: 1, maxLength: 30 }))),
        async ([sizing, byteCounts]) => {
          // Arrange
          const size = glueRunSizer(definitionOf(1, sizing));
          // Act
          const chosen = await Promise.all(byteCounts.map((totalBytes) => size({ total_bytes: totalBytes })));
          // Assert
          expect(chosen).toEqual(byteCounts.map((totalBytes) => capacityResult(glueRunCapacity(totalBytes, sizing))));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives an input without total_bytes the largest capacity, as every run had before runs were sized', async () => {
    // Arrange
    const definition = definitionOf(1);
    // Act
    const chosen = await sizedCapacity(definition, { manifest_id: 'm' });
    // Assert
    expect(chosen).toEqual(capacityResult({ workerType: 'G.1X', numberOfWorkers: 10, executionClass: 'STANDARD' }));
  });

  it("sizes prod's manifests by their bytes: a full 1 GiB batch on 2 workers, a 5 GiB lone file on 3", async () => {
    // Arrange: at bench:glue's throughput 1 GiB is done in time on 2 G.1X workers (one executor) and fits its
    // memory share (4 GiB); the largest lone file (batching.maxFileBytes, 5 GiB) does not fit one executor.
    const definition = definitionOf(2);
    // Act
    const small = await sizedCapacity(definition, { total_bytes: 10 * MiB });
    const batch = await sizedCapacity(definition, { total_bytes: GiB });
    const lone = await sizedCapacity(definition, { total_bytes: 5 * GiB });
    // Assert
    expect(small).toEqual({ worker_type: 'G.1X', number_of_workers: 2, number_of_workers_text: '2', execution_class: 'STANDARD' });
    expect(batch.number_of_workers).toBe(2);
    expect(lone).toEqual({ worker_type: 'G.1X', number_of_workers: 3, number_of_workers_text: '3', execution_class: 'STANDARD' });
  });

  it('starts the Glue run on the chosen capacity, and tells the script what it is', () => {
    // Arrange
    const states = definitionOf(1) as { StartAt: string; States: Record<string, { Parameters?: Record<string, unknown> }> };
    // Act
    const parameters = states.States.RunGlue!.Parameters!;
    // Assert
    expect(states.StartAt).toBe('SizeGlueRun');
    expect(parameters).toMatchObject({
      'WorkerType.$': '$.capacity.worker_type',
      'NumberOfWorkers.$': '$.capacity.number_of_workers',
      'ExecutionClass.$': '$.capacity.execution_class',
    });
    expect(parameters.Arguments).toMatchObject({
      '--worker_type.$': '$.capacity.worker_type',
      '--number_of_workers.$': '$.capacity.number_of_workers_text',
      '--execution_class.$': '$.capacity.execution_class',
    });
  });

  it('records the run capacity on the MANIFEST record when MarkProcessing takes it', () => {
    // Arrange
    const states = statesOf(1);
    // Act
    const parameters = states.MarkProcessing!.Parameters as {
      UpdateExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    };
    // Assert
    expect(parameters.UpdateExpression).toContain('#workerType = :workerType, #workers = :workers, #executionClass = :executionClass');
    expect(parameters.ExpressionAttributeNames).toMatchObject({
      '#workerType': 'worker_type',
      '#workers': 'number_of_workers',
      '#executionClass': 'execution_class',
    });
    expect(parameters.ExpressionAttributeValues).toMatchObject({
      ':workerType': { 'S.$': '$.capacity.worker_type' },
      ':workers': { 'N.$': '$.capacity.number_of_workers_text' },
      ':executionClass': { 'S.$': '$.capacity.execution_class' },
    });
  });
});
