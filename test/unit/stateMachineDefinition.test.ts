import { describe, expect, it } from 'vitest';
import { stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';

type State = {
  Type: string;
  Parameters?: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> };
  Retry?: { ErrorEquals: string[]; MaxAttempts: number; IntervalSeconds?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
};

const statesOf = (glueRunRetries: number) =>
  (stateMachineDefinition({ tableName: 't', glueJobName: 'g', glueRunRetries }) as { States: Record<string, State> }).States;

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
});
