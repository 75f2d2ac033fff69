import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  HttpRequest,
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
  middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'add' | 'addRelativeTo'>;
}

export interface CommandCall {
  commandName: string;
  input: Record<string, unknown>;
  /** At finalizeRequest only: the HTTP request as serialized from `input`, which this attempt sends. */
  request?: HttpRequest;
  /** The command's execution context: one object for all its steps and attempts. */
  context?: object;
}

type Result = InitializeHandlerOutput<MetadataBearer>;

/**
 * Wraps every command each client sends: `around` gets the command and `proceed`, which sends it on and
 * resolves to its result. `initialize` runs once per command; `finalizeRequest` runs inside the SDK's retry
 * loop, so an error thrown there is retried as the same error from the service would be. `beforeSigning`
 * (finalizeRequest only) places the middleware between the retry loop and the request's signature, so that
 * it may change the request it sends and the signature still covers what is sent.
 */
export function aroundCommands(
  clients: readonly SdkClient[],
  options: { name: string; step: 'initialize' | 'finalizeRequest'; beforeSigning?: boolean },
  around: (call: CommandCall, proceed: () => Promise<Result>) => Promise<Result>,
): void {
  const call = (args: { input: object; request?: unknown }, context: HandlerExecutionContext): CommandCall => ({
    commandName: context.commandName ?? 'command',
    input: args.input as Record<string, unknown>,
    ...(args.request ? { request: args.request as HttpRequest } : {}),
    context,
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
    else if (options.beforeSigning)
      client.middlewareStack.addRelativeTo(finalize, {
        relation: 'before',
        toMiddleware: 'httpSigningMiddleware',
        name: options.name,
        override: true,
      });
    else client.middlewareStack.add(finalize, { step: 'finalizeRequest', name: options.name, override: true });
  }
}
