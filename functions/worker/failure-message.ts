/**
 * The error a task gets when it failed for a reason of ours rather than its own: never the
 * infrastructure's text, only a reference under which the details are logged.
 */
export function couldNotComplete(reference: string): string {
  return `The task could not be completed (reference ${reference})`;
}
