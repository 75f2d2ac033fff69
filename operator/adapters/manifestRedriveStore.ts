import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MANIFEST_STATUS, type ManifestStatus, manifestKey, tableKey } from '../../contracts/trackingSchema';

/**
 * The two writes of a redrive on a MANIFEST record. Claiming moves a failed record back to `pending` and
 * counts the redrive in one conditional update, so two operators (or two `redrive --failed` runs) cannot
 * start two executions for one failure, and the count names the new execution. If the execution then
 * cannot be started, the claim is given back (the record is `failed` again, with why).
 */

export class ManifestRedriveStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The redrive number claimed, or null when the record is no longer in `expectedStatus` with `seenRedrives`. */
  async claim(date: string, name: string, expectedStatus: ManifestStatus, seenRedrives: number, now: Date): Promise<number | null> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKey(date, manifestKey(name)),
          ConditionExpression: '#status = :expected AND (attribute_not_exists(redrive_count) OR redrive_count = :seen)',
          UpdateExpression: 'SET #status = :pending, updated_at = :now, redriven_at = :now ADD redrive_count :one',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':expected': expectedStatus,
            ':seen': seenRedrives,
            ':pending': MANIFEST_STATUS.pending,
            ':now': now.toISOString(),
            ':one': 1,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes?.redrive_count);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  /** Gives a claim back after StartExecution failed; only if nothing moved the record since. */
  async release(date: string, name: string, redrive: number, reason: string, now: Date): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKey(date, manifestKey(name)),
          ConditionExpression: '#status = :pending AND redrive_count = :n',
          UpdateExpression: 'SET #status = :failed, error_message = :reason, updated_at = :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': MANIFEST_STATUS.pending,
            ':n': redrive,
            ':failed': MANIFEST_STATUS.failed,
            ':reason': reason,
            ':now': now.toISOString(),
          },
        }),
      );
    } catch (error) {
      // The execution started after all (its MarkProcessing moved the record): nothing to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
