import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';

/**
 * Any SDK v3 client (a DocumentClient shares its client's stack). The local world stands in for what the
 * emulator cannot do (crashes, faults, request counts) as middleware on these stacks; each client's stack is
 * generic in its own command types, so the middleware here sees a command as its name and a plain input.
 */
export interface SdkClient {
  middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'add'>;
}

export interface CommandCall {
  commandName: string;
  input: Record<string, unknown>;
}

type Result = InitializeHandlerOutput<MetadataBearer>;

/**
 * Wraps every command each client sends: `around` gets the command and `proceed`, which sends it on and
 * resolves to its result. `initialize` runs once per command; `finalizeRequest` runs inside the SDK's retry
 * loop, so an error thrown there is retried as the same error from the service would be.
 */
export function aroundCommands(
  clients: readonly SdkClient[],
  options: { name: string; step: 'initialize' | 'finalizeRequest' },
  around: (call: CommandCall, proceed: () => Promise<Result>) => Promise<Result>,
): void {
  const call = (args: { input: object }, context: HandlerExecutionContext): CommandCall => ({
    commandName: context.commandName ?? 'command',
    input: args.input as Record<string, unknown>,
  });
  const initialize =
    (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
    (args: InitializeHandlerArguments<object>): Promise<Result> =>
      around(call(args, context), () => next(args));
  const finalize =
    (next: FinalizeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
    (args: FinalizeHandlerArguments<object>): Promise<Result> =>
      around(call(args, context), () => next(args));
  for (const client of clients) {
    if (options.step === 'initialize') client.middlewareStack.add(initialize, { step: 'initialize', name: options.name, override: true });
    else client.middlewareStack.add(finalize, { step: 'finalizeRequest', name: options.name, override: true });
  }
}
