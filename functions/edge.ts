/**
 * The Lambda entry point of a handler made by a factory: the real dependencies are built
 * from the environment on the first invocation, never when the module is imported, so
 * tests and local mode import handler modules freely and pass their own dependencies.
 */
export function wiredAtFirstCall<Event, Context, Result>(
  build: () => (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  let handler: ((event: Event, context: Context) => Promise<Result>) | undefined;
  return (event, context) => {
    handler ??= build();
    return handler(event, context);
  };
}
