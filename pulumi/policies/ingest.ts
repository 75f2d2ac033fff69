import { allow, type PolicyDocument, policyDocument, type UnusedLocally } from './document';

/** The EventBridge target role: put records on the one ingest stream, nothing else. */
export function eventsToKinesisPolicy(streamArn: string): PolicyDocument {
  return policyDocument(allow('PutIngestRecords', ['kinesis:PutRecord', 'kinesis:PutRecords'], [streamArn]));
}

export const EVENTS_TO_KINESIS_UNUSED_LOCALLY: UnusedLocally = {
  // EventBridge's "IAM roles for sending events" page names kinesis:PutRecord; its Kinesis target page says
  // delivery batches with PutRecords. Both stay until the first deploy shows which one is called.
  'PutIngestRecords/kinesis:PutRecords': 'EventBridge may deliver in batches (PutRecords); the local shim puts one record per event',
};

/** Queue policy of the EventBridge target's dead-letter queue: only our rule may send to it. */
export function ruleDeadLetterQueuePolicy(queueArn: string, ruleArn: string): PolicyDocument {
  return policyDocument({
    Sid: 'EventBridgeRuleDeadLetters',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: ['sqs:SendMessage'],
    Resource: [queueArn],
    Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
  });
}

/**
 * The EventBridge pattern for "an object was created under the input prefix of the input bucket".
 * S3 sends every event of an EventBridge-enabled bucket to the default bus; the rule keeps only these.
 */
export function objectCreatedPattern(bucketName: string, keyPrefix: string): Record<string, unknown> {
  const object = keyPrefix ? { object: { key: [{ prefix: keyPrefix }] } } : {};
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: { bucket: { name: [bucketName] }, ...object },
  };
}
