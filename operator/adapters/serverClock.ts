import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The time an operator's lease decisions (`unlock`, `flush`) use. A lease is written by its holder (a Lambda,
 * whose clock AWS keeps synchronised) as an expiry in epoch ms; comparing it with a laptop's clock lets a fast
 * clock free or take a lease that is still running. DynamoDB has no "current time" read, but every response
 * carries an HTTP `Date` header: when the service answered, by the service's clock (for S3 this is documented
 * as "the date and time that Amazon S3 responded", Common Response Headers). So the operator's time is
 * the earlier of its own clock and the table's last answer (advanced by the time elapsed since, on the local
 * monotonic clock), less LEASE_CLOCK_MARGIN_MS: a lease counts as over only once both clocks say so, with
 * room for the Date header's whole-second resolution and the holder's own skew.
 */
export const LEASE_CLOCK_MARGIN_MS = 60_000;

interface Answer {
  serverMs: number;
  receivedAt: number;
}

const lastAnswer = new WeakMap<object, Answer>();

function recordServerDates(client: DynamoDBDocumentClient): void {
  if (lastAnswer.has(client)) return;
  lastAnswer.set(client, { serverMs: Number.NaN, receivedAt: 0 });
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string | undefined> } | undefined)?.headers;
      const serverMs = Date.parse(headers?.date ?? headers?.Date ?? '');
      if (Number.isFinite(serverMs)) lastAnswer.set(client, { serverMs, receivedAt: performance.now() });
      return result;
    },
    { step: 'deserialize', name: 'operatorServerClock', override: true },
  );
}

/**
 * A clock for lease decisions over `client`'s table. Reads made through the client after this call keep it
 * current; before the first answer it is the local clock less the margin.
 */
export function leaseClock(client: DynamoDBDocumentClient, local: () => Date): () => Date {
  recordServerDates(client);
  return () => {
    const answer = lastAnswer.get(client);
    const localMs = local().getTime();
    const serverMs = answer && Number.isFinite(answer.serverMs) ? answer.serverMs + (performance.now() - answer.receivedAt) : localMs;
    return new Date(Math.min(localMs, serverMs) - LEASE_CLOCK_MARGIN_MS);
  };
}
