/**
 * The project's typed errors: each subclass names itself, and `context` carries what the error was about (a
 * path, a resource, a key, a date), so logs and reports show it and callers branch on the class, never on
 * the message.
 */
export class ContextError extends Error {
  constructor(
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
