import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../pulumi/policies';
import { LOCAL_ACCOUNT } from '../resources';
import type { Authorization } from './requestActions';
import type { LocalRole, RolePolicies } from './roles';

/**
 * The IAM decision for one authorisation, by a real policy evaluator (@cloud-copilot/iam-simulate): the
 * role's identity policy, and for S3 the bucket's policy as the resource policy (its explicit denies win,
 * as in AWS's evaluation logic). The local proxy stands for the TLS endpoint the SDKs use on AWS, so
 * requests carry aws:SecureTransport=true unless a test says otherwise.
 */

export type Denial = 'implicit' | 'explicit';

export interface Decision {
  allowed: boolean;
  /** Why not, when not allowed. */
  denial?: Denial;
  /** Sids of the identity statements that allowed it. */
  statements: string[];
}

export interface IamEvaluatorOptions {
  rolePolicies: RolePolicies;
  bucketPolicies: Map<string, PolicyDocument>;
  /** Default true: the proxy stands for HTTPS. False shows what the bucket policy does to plain HTTP. */
  secureTransport?: boolean;
}

export function principalArn(role: LocalRole): string {
  return `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${role}/local`;
}

export class IamEvaluator {
  private readonly used = new Map<LocalRole, Map<string, Set<string>>>();
  readonly stats = { callsChecked: 0, denied: 0 };
  /** The AccessDenied messages handed out, oldest first (tests read which action and resource were refused). */
  readonly denials: string[] = [];

  constructor(private readonly options: IamEvaluatorOptions) {}

  get rolePolicies(): RolePolicies {
    return this.options.rolePolicies;
  }

  /** What each role was allowed to do so far: action -> the Sids that allowed it. */
  usage(): Map<LocalRole, Map<string, Set<string>>> {
    return this.used;
  }

  async decide(role: LocalRole, authorization: Authorization): Promise<Decision> {
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(authorization.resource)?.[1];
    const resourcePolicy = bucket ? this.options.bucketPolicies.get(bucket) : undefined;
    const context: Record<string, string | string[]> = {
      'aws:SecureTransport': String(this.options.secureTransport ?? true),
      ...(bucket ? { 's3:TlsVersion': '1.3' } : {}),
      ...authorization.context,
    };
    const simulation: Simulation = {
      identityPolicies: [{ name: role, policy: this.options.rolePolicies[role] as unknown as Record<string, unknown> }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: resourcePolicy as unknown as Record<string, unknown> } : {}),
      request: {
        action: authorization.action,
        principal: principalArn(role),
        resource: { resource: authorization.resource, accountId: LOCAL_ACCOUNT },
        contextVariables: context,
      },
    } as Simulation;
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') {
      // An action iam-data does not know, or a resource of the wrong type for it: AWS would not allow it either.
      return { allowed: false, denial: 'implicit', statements: [] };
    }
    if (result.overallResult === 'Allowed') {
      const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
      const statements = (analysis?.identityAnalysis?.allowStatements ?? []).map((s) => String(s.explain.identifier ?? ''));
      this.record(role, authorization.action, statements);
      return { allowed: true, statements };
    }
    return { allowed: false, denial: result.overallResult === 'ExplicitlyDenied' ? 'explicit' : 'implicit', statements: [] };
  }

  /**
   * Every authorisation a call needs, in order; the first refused one decides. Counts the call once.
   */
  async check(role: LocalRole, authorizations: Authorization[]): Promise<{ refused?: Authorization; denial?: Denial }> {
    this.stats.callsChecked += 1;
    for (const authorization of authorizations) {
      const decision = await this.decide(role, authorization);
      if (!decision.allowed) {
        this.stats.denied += 1;
        return { refused: authorization, denial: decision.denial ?? 'implicit' };
      }
    }
    return {};
  }

  private record(role: LocalRole, action: string, statements: string[]): void {
    const actions = this.used.get(role) ?? new Map<string, Set<string>>();
    this.used.set(role, actions);
    const sids = actions.get(action) ?? new Set<string>();
    actions.set(action, sids);
    for (const sid of statements) sids.add(sid);
  }
}

/**
 * AWS's denial text (IAM's "not authorized" message): `User: <principal> is not authorized to perform:
 * <action> on resource: <arn> because no identity-based policy allows the <action> action`, or `... with an
 * explicit deny in a resource-based policy`.
 */
export function denialMessage(role: LocalRole, authorization: Authorization, denial: Denial): string {
  const reason =
    denial === 'explicit'
      ? 'with an explicit deny in a resource-based policy'
      : `because no identity-based policy allows the ${authorization.action} action`;
  return `User: ${principalArn(role)} is not authorized to perform: ${authorization.action} on resource: ${authorization.resource} ${reason}`;
}
