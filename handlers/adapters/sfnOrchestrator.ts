import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ContextError } from '../../contracts/contextError';
import type { ExecutionInput } from '../domain/manifest';
import type { Orchestrator } from '../services/ports';

export class OrchestratorError extends ContextError {
  override readonly name = 'OrchestratorError';
}

/** Execution ARNs are derived from the state machine ARN and the name, so a repeat can be answered without a call. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class SfnOrchestrator implements Orchestrator {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async startExecution(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    try {
      const result = await this.sfn.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: result.executionArn ?? executionArnOf(this.stateMachineArn, name), alreadyStarted: false };
    } catch (error) {
      // Same name, different input: an execution for this manifest exists (its input held other fields,
      // e.g. from an older version). Either way the manifest has been started; it is not started twice.
      if (error instanceof ExecutionAlreadyExists) {
        return { executionArn: executionArnOf(this.stateMachineArn, name), alreadyStarted: true };
      }
      throw new OrchestratorError(`could not start execution ${name}`, { name, stateMachineArn: this.stateMachineArn }, { cause: error });
    }
  }
}
