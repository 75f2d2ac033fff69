import { randomUUID } from 'node:crypto';

/**
 * AccessDenied as each protocol carries it. S3 (REST-XML): 403 with an `<Error><Code>AccessDenied</Code>`
 * body, and no body on HEAD (a HEAD response never has one, so the SDKs see only the 403). The JSON
 * protocols (DynamoDB, Kinesis, Step Functions, SQS): 400 with `__type` AccessDeniedException.
 */

export interface DenialResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function s3AccessDenied(method: string, message: string): DenialResponse {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const headers = { 'content-type': 'application/xml', 'x-amz-request-id': requestId };
  if (method.toUpperCase() === 'HEAD') return { status: 403, headers, body: '' };
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId><HostId>local</HostId></Error>`;
  return { status: 403, headers, body };
}

export function jsonAccessDenied(contentType: string | undefined, message: string): DenialResponse {
  return {
    status: 400,
    headers: {
      'content-type': contentType ?? 'application/x-amz-json-1.0',
      'x-amzn-errortype': 'AccessDeniedException',
      'x-amzn-requestid': randomUUID(),
    },
    body: JSON.stringify({ __type: 'AccessDeniedException', message, Message: message }),
  };
}
