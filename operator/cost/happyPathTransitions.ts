/**
 * The state transitions one successful execution bills: Standard workflows charge every state entered
 * (https://aws.amazon.com/step-functions/pricing/), so the count follows the definition the stack deploys
 * rather than a number written down beside it. A Task goes to its Next (its Catch is the unhappy path);
 * a Choice goes to its Default, or its first rule when it has none (the capacity Choice's branches are
 * equally long); Succeed, Fail or End stop.
 */

interface AslState {
  Type?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next?: string }[];
}

export class StateMachineWalkError extends Error {
  override readonly name = 'StateMachineWalkError';
  constructor(
    message: string,
    readonly state: string | undefined,
  ) {
    super(message);
  }
}

export function happyPathTransitions(definition: Record<string, unknown>): number {
  const states = (definition.States ?? {}) as Record<string, AslState>;
  let name = definition.StartAt as string | undefined;
  const seen = new Set<string>();
  let transitions = 0;
  while (name !== undefined) {
    const state = states[name];
    if (!state) throw new StateMachineWalkError(`the happy path reaches "${name}", which the definition does not have`, name);
    if (seen.has(name)) throw new StateMachineWalkError(`the happy path loops at "${name}"`, name);
    seen.add(name);
    transitions += 1;
    if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') return transitions;
    name = state.Type === 'Choice' ? (state.Default ?? state.Choices?.[0]?.Next) : state.Next;
  }
  throw new StateMachineWalkError('the happy path stops at a state with no Next and no End', undefined);
}
