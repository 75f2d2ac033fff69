import type { StackConfig } from '../../contracts/stackConfig';
import { createLocalClients, destroyLocalClients, type LocalClients } from '../localClients';
import { LOCAL_ACCOUNT, type LocalResources } from '../resources';
import { ADMIN_CREDENTIALS, roleCredentials, roleEnv } from './credentials';
import { denialMessage, IamEvaluator } from './evaluator';
import { type IamProxy, startIamProxy } from './proxy';
import { BUCKET_NAMES, glueJobArn, type LocalRole, localBucketPolicies, localRolePolicies, type RolePolicies } from './roles';

/**
 * IAM for one local run: the evaluator with the stack's policies, the proxy every role's client goes
 * through, and the role-scoped clients and environments the runtime hands its components. With
 * `enforced: false` (`--no-iam`, for debugging) the clients go straight to the emulator.
 */

export interface LocalIamOptions {
  enforced: boolean;
  /** Tests: change the shipped policies (remove a statement) to see what breaks. */
  policies?: (shipped: RolePolicies) => RolePolicies;
  /** Default true (the proxy stands for HTTPS); false shows what the TLS-only bucket policy does. */
  secureTransport?: boolean;
}

export interface IamSummary {
  enforced: boolean;
  denied: number;
  calls_checked: number;
}

/** An AWS service's AccessDeniedException, raised where the local run calls a service in code (Glue). */
export class LocalAccessDeniedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type IamResources = Parameters<typeof localRolePolicies>[0] & Pick<LocalResources, 'buckets'>;

export class LocalIam {
  private readonly roleClients = new Map<LocalRole, LocalClients>();

  private constructor(
    readonly endpoint: string,
    private readonly region: string,
    private readonly resources: IamResources,
    readonly evaluator: IamEvaluator,
    private readonly proxy: IamProxy | undefined,
  ) {}

  static async start(upstream: string, resources: IamResources, config: StackConfig, options: LocalIamOptions): Promise<LocalIam> {
    const shipped = localRolePolicies(resources, config);
    const evaluator = new IamEvaluator({
      rolePolicies: options.policies ? options.policies(shipped) : shipped,
      bucketPolicies: localBucketPolicies(BUCKET_NAMES(resources)),
      ...(options.secureTransport === undefined ? {} : { secureTransport: options.secureTransport }),
    });
    const proxy = options.enforced ? await startIamProxy({ upstream, evaluator }) : undefined;
    return new LocalIam(proxy?.endpoint ?? upstream, resources.region, resources, evaluator, proxy);
  }

  get enforced(): boolean {
    return this.proxy !== undefined;
  }

  /** SDK clients that sign as `role`; one set per role, shared by that role's components. */
  clients(role: LocalRole): LocalClients {
    let clients = this.roleClients.get(role);
    if (!clients) {
      clients = createLocalClients(this.endpoint, this.region, this.enforced ? roleCredentials(role) : ADMIN_CREDENTIALS);
      this.roleClients.set(role, clients);
    }
    return clients;
  }

  /** The environment of a subprocess (the Glue job) that calls AWS as `role`. */
  env(role: LocalRole): Record<string, string> {
    return roleEnv(this.enforced ? role : undefined, this.endpoint, this.region);
  }

  /**
   * The state machine's Glue integration is no HTTP call locally (the runner is in process), so its
   * glue:* actions are checked here with the same evaluator; a refusal is Glue's AccessDeniedException,
   * which Step Functions reports as `Glue.AccessDeniedException`.
   */
  async authorizeGlue(action: string): Promise<void> {
    if (!this.enforced) return;
    const authorization = {
      action,
      resource: glueJobArn({ partition: 'aws', region: this.region, accountId: LOCAL_ACCOUNT }, this.resources.glueJobName),
      context: {},
    };
    const verdict = await this.evaluator.check('stateMachine', [authorization]);
    if (verdict.refused)
      throw new LocalAccessDeniedError(
        'Glue.AccessDeniedException',
        denialMessage('stateMachine', authorization, verdict.denial ?? 'implicit'),
      );
  }

  summary(): IamSummary {
    return { enforced: this.enforced, denied: this.evaluator.stats.denied, calls_checked: this.evaluator.stats.callsChecked };
  }

  async stop(): Promise<void> {
    for (const clients of this.roleClients.values()) {
      destroyLocalClients(clients);
    }
    await this.proxy?.stop();
  }
}
