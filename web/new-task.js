// @ts-check
/** What a new task is made of: the create form's fields, or the task it re-runs. */

/**
 * The create request for the form's fields: a simulated task of that duration.
 * @param {{ get(name: string): unknown }} fields e.g. the form's FormData
 */
export function taskFromForm(fields) {
  return {
    name: String(fields.get('name') ?? '').trim(),
    type: 'simulate',
    input: {
      duration_seconds: Number(fields.get('duration_seconds')),
      fail: fields.get('fail') === 'on',
    },
  };
}

/**
 * The create request for a task with the same name, type and input as `task`.
 * @param {{ name?: string | null, type?: string, input?: unknown }} task
 */
export function rerunOf(task) {
  return {
    ...(task.name ? { name: task.name } : {}),
    type: task.type,
    input: task.input,
  };
}
