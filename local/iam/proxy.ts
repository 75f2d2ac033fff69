import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { roleOfAccessKey, signingScope } from './credentials';
import { type DenialResponse, jsonAccessDenied, s3AccessDenied } from './denialResponse';
import { denialMessage, type IamEvaluator } from './evaluator';
import { type Authorization, authorizationsFor, type HttpRequest, UnmappedRequestError } from './requestActions';
import type { LocalRole } from './roles';

/**
 * An IAM-enforcing HTTP proxy in front of the emulator. Every SDK client of a component (the Node handlers
 * and the Glue job's boto3 alike) reaches moto through it; a request signed with a role's key is mapped to
 * the IAM authorisations it needs (requestActions.ts) and evaluated against the role's policy
 * (evaluator.ts). A refused request never reaches moto and gets AWS's AccessDenied; an allowed one is
 * passed through unchanged. Requests with the setup key pass unchecked.
 */

export interface IamProxy {
  endpoint: string;
  evaluator: IamEvaluator;
  stop(): Promise<void>;
}

function send(res: ServerResponse, denial: DenialResponse): void {
  res.writeHead(denial.status, { ...denial.headers, 'content-length': String(Buffer.byteLength(denial.body)) });
  res.end(denial.body);
}

const isObjectRead = (request: HttpRequest, service: string) =>
  service === 's3' &&
  (request.method === 'GET' || request.method === 'HEAD') &&
  /^\/[^/]+\/.+/.test(request.path) &&
  ![...request.query.keys()].some((k) => ['tagging', 'uploadId', 'acl', 'attributes'].includes(k));

export async function startIamProxy(options: { upstream: string; evaluator: IamEvaluator; port?: number }): Promise<IamProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const { evaluator } = options;

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, onNotFound?: () => Promise<DenialResponse | undefined>) => {
    const headers = { ...req.headers, host: upstream.host };
    delete headers.connection;
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (upstreamRes) => {
        if (upstreamRes.statusCode === 404 && onNotFound) {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.on('end', () => {
            onNotFound().then(
              (denial) => {
                if (denial) return send(res, denial);
                res.writeHead(404, upstreamRes.headers);
                res.end(Buffer.concat(chunks));
              },
              (error: Error) => fail(res, error),
            );
          });
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    outgoing.on('error', (error) => fail(res, error));
    outgoing.end(body);
  };

  const fail = (res: ServerResponse, error: Error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`local IAM proxy: ${error.message}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://local');
    const scope = signingScope(req.headers.authorization, url.searchParams);
    const role = scope ? roleOfAccessKey(scope.accessKeyId) : undefined;
    if (!scope || !role) return forward(req, body, res);

    const request: HttpRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    const deny = (authorization: Authorization, denial: 'implicit' | 'explicit'): DenialResponse => {
      const message = denialMessage(role, authorization, denial);
      evaluator.denials.push(message);
      return scope.service === 's3' ? s3AccessDenied(request.method, message) : jsonAccessDenied(req.headers['content-type'], message);
    };
    let authorizations: Authorization[];
    try {
      authorizations = authorizationsFor(request, scope.service, scope.region);
    } catch (error) {
      if (!(error instanceof UnmappedRequestError)) throw error;
      return send(res, jsonAccessDenied(req.headers['content-type'], `local IAM proxy cannot map this request: ${error.message}`));
    }
    const verdict = await evaluator.check(role, authorizations);
    if (verdict.refused) return send(res, deny(verdict.refused, verdict.denial ?? 'implicit'));
    if (!isObjectRead(request, scope.service)) return forward(req, body, res);
    // S3 answers a read of a missing key with 404 only to a caller allowed s3:ListBucket on the bucket;
    // to anyone else it is 403, so a caller cannot learn which keys exist.
    return forward(req, body, res, () => listCheck(role, authorizations[0]!, deny));
  };

  const listCheck = async (
    role: LocalRole,
    read: Authorization,
    deny: (a: Authorization, d: 'implicit' | 'explicit') => DenialResponse,
  ): Promise<DenialResponse | undefined> => {
    const [, bucket = '', key = ''] = /^arn:aws:s3:::([^/]+)\/(.*)$/.exec(read.resource) ?? [];
    const list: Authorization = { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': key } };
    const decision = await evaluator.decide(role, list);
    if (decision.allowed) return undefined;
    evaluator.stats.denied += 1;
    return deny(list, decision.denial ?? 'implicit');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => fail(res, error));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    evaluator,
    async stop() {
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
