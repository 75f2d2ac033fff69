import { StateMachine } from 'aws-local-stepfunctions';
import { type CapacityResult, SIZE_GLUE_RUN_STATE } from '../../handlers/orchestration/stateMachineDefinition';

type States = Record<string, { Type: string; Next?: string; End?: boolean; Choices?: { Next: string }[]; Default?: string }>;

/**
 * A state machine definition's SizeGlueRun, and the Pass state it picks, run with aws-local-stepfunctions (the
 * ASL interpreter the local runtime uses): for an execution input, the capacity it sets at $.capacity. Only
 * the sizing states run: their Next (MarkProcessing) becomes the end, so no task is called.
 */
export function glueRunSizer(definition: unknown): (input: Record<string, unknown>) => Promise<CapacityResult> {
  const states = (definition as { States: States }).States;
  const choice = states[SIZE_GLUE_RUN_STATE];
  if (!choice) throw new Error(`the definition has no ${SIZE_GLUE_RUN_STATE} state`);
  const targets = new Set([...(choice.Choices ?? []).map((c) => c.Next), ...(choice.Default ? [choice.Default] : [])]);
  const sizing: States = { [SIZE_GLUE_RUN_STATE]: choice };
  for (const name of targets) {
    const { Next: _next, ...pass } = states[name]!;
    sizing[name] = { ...pass, End: true };
  }
  const machine = new StateMachine({ StartAt: SIZE_GLUE_RUN_STATE, States: sizing } as never);
  return async (input) => ((await machine.run(input as never).result) as unknown as { capacity: CapacityResult }).capacity;
}

/** The capacity SizeGlueRun sets for one execution input. */
export function sizedCapacity(definition: unknown, input: Record<string, unknown>): Promise<CapacityResult> {
  return glueRunSizer(definition)(input);
}
