/** A task as the API returns it in a JSON answer: a fixture for client and contract tests. */
export const PENDING_TASK_ANSWER = {
  task_id: '01JDZ0N5Q8W4X3M2V7K9T6R1BC',
  status: 'PENDING',
  name: null,
  type: 'simulate',
  input: {},
  progress: 0,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  started_at: null,
  finished_at: null,
};
