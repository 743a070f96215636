/**
 * The catalog of the service's functions: each route's method, path and handler, and for
 * every function its declared table and workflow access (granted by the stack, proven
 * against the code by tests/infra/declared-access.test.ts), timeout and schedule. The CDK
 * stack makes one function per entry, and local mode runs the same entries, so both serve
 * exactly the same API.
 */

/** A DynamoDB action on the table's items. */
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';
/** A DynamoDB action on the table's indexes. */
export type IndexAction = 'Query';

/** A Step Functions action on this state machine's executions. */
export type WorkflowAction = 'StartExecution' | 'StopExecution' | 'DescribeExecution';

/** Exactly the DynamoDB actions a handler calls (directly or through the store), and where. */
export interface TableAccess {
  items?: readonly ItemAction[];
  indexes?: readonly IndexAction[];
}

export interface Route {
  /** Names the function and its construct. */
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** In API Gateway's syntax: `{id}` is a path parameter. */
  path: string;
  /** The handler module, from the repository root; it exports `handler`. */
  entry: string;
  /** The table access the handler needs, and no more. */
  table: TableAccess;
  /** What the handler may do to workflow executions. */
  workflow?: readonly WorkflowAction[];
  /** The function's timeout when it differs from API_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
}

/**
 * The access of a route that stops a task's execution: stopping a RUNNING task frees a slot,
 * which the route gives to the oldest waiting task (an index query and a start).
 */
function stopsTasks(items: readonly ItemAction[]): Pick<Route, 'table' | 'workflow'> {
  return {
    table: { items, indexes: ['Query'] },
    workflow: ['StopExecution', 'StartExecution'],
  };
}

export const ROUTES: readonly Route[] = [
  {
    name: 'CreateTask',
    method: 'POST',
    path: '/tasks',
    entry: 'functions/api/create-task.ts',
    /**
     * GetItem reads an idempotency key's record, the task it names and the admission count;
     * Query finds older waiting tasks, admitted before the new one.
     */
    table: { items: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['Query'] },
    workflow: ['StartExecution'],
  },
  {
    name: 'ListTasks',
    method: 'GET',
    path: '/tasks',
    entry: 'functions/api/list-tasks.ts',
    /** GetItem reads the task a search names by its id. */
    table: { items: ['BatchGetItem', 'GetItem'], indexes: ['Query'] },
  },
  {
    name: 'GetTaskTotals',
    method: 'GET',
    /** More specific than `/tasks/{id}`, so it wins in API Gateway as in local mode. */
    path: '/tasks/totals',
    entry: 'functions/api/get-task-totals.ts',
    table: { items: ['BatchGetItem'] },
  },
  {
    name: 'GetTask',
    method: 'GET',
    path: '/tasks/{id}',
    entry: 'functions/api/get-task.ts',
    table: { items: ['GetItem'] },
  },
  {
    name: 'GetTaskStatus',
    method: 'GET',
    path: '/tasks/{id}/status',
    entry: 'functions/api/get-task-status.ts',
    table: { items: ['GetItem'] },
    /** `?wait=` holds a request up to 20 s; API Gateway's integration timeout is 30 s. */
    timeoutSeconds: 25,
  },
  {
    name: 'CancelTask',
    method: 'PATCH',
    path: '/tasks/{id}/status',
    entry: 'functions/api/cancel-task.ts',
    ...stopsTasks(['GetItem', 'UpdateItem']),
  },
  {
    name: 'GetTaskResult',
    method: 'GET',
    path: '/tasks/{id}/result',
    entry: 'functions/api/get-task-result.ts',
    table: { items: ['GetItem'] },
  },
  {
    name: 'DeleteTask',
    method: 'DELETE',
    path: '/tasks/{id}',
    entry: 'functions/api/delete-task.ts',
    ...stopsTasks(['GetItem', 'DeleteItem', 'UpdateItem']),
  },
  {
    name: 'Health',
    method: 'GET',
    path: '/health',
    entry: 'functions/api/health.ts',
    table: { items: ['GetItem'] },
  },
];

/**
 * Answers every request no route matches (the HTTP API's `$default` route) with the contract's
 * JSON 404, or 405 and `Allow` for a known path. Only the stack uses it: locally the gateway
 * answers those itself.
 */
export const DEFAULT_ROUTE = {
  name: 'NotFound',
  entry: 'functions/api/not-found.ts',
} as const satisfies Pick<Route, 'name' | 'entry'>;

/** Timeout of every API function (API Gateway itself gives up after 30 s). */
export const API_TIMEOUT_SECONDS = 10;

/**
 * The workflow's functions, by the name of the Task state that invokes each. Both end tasks,
 * and give the slot a task held to the oldest waiting one (query, start, StartExecution).
 */
export const WORKFLOW_FUNCTIONS = {
  Work: {
    entry: 'functions/worker/work.ts',
    timeoutSeconds: 90,
    table: { items: ['GetItem', 'UpdateItem'], indexes: ['Query'] },
    workflow: ['StartExecution'],
  },
  RecordFailure: {
    entry: 'functions/worker/record-failure.ts',
    timeoutSeconds: 30,
    table: { items: ['GetItem', 'UpdateItem'], indexes: ['Query'] },
    workflow: ['StartExecution'],
  },
} as const satisfies Record<
  string,
  {
    entry: string;
    timeoutSeconds: number;
    table: TableAccess;
    workflow: readonly WorkflowAction[];
  }
>;

/**
 * Whether a function admits tasks (starts waiting ones, admission.ts): every function that
 * may start executions does, and gets MAX_RUNNING_TASKS.
 */
export function admitsTasks(fn: { workflow?: readonly WorkflowAction[] }): boolean {
  return fn.workflow?.includes('StartExecution') ?? false;
}

/** Worker time spent per slice before handing back to the workflow (below the worker's timeout). */
export const WORK_SLICE_SECONDS = 60;

/**
 * The reconciler: brings every unfinished task back to one running execution (PENDING tasks
 * never started, RUNNING tasks whose execution ended with the task unfinished). Scheduled in
 * AWS; local mode runs it at start-up and then every `localEverySeconds`.
 */
export const RESUME_FUNCTION = {
  entry: 'functions/worker/resume-tasks.ts',
  timeoutSeconds: 60,
  /**
   * Lists RUNNING tasks; reads one before restarting it; records those it gives up on;
   * admits waiting tasks.
   */
  table: { items: ['BatchGetItem', 'GetItem', 'UpdateItem'], indexes: ['Query'] },
  /** Starts executions and reads whether they still run. */
  workflow: ['StartExecution', 'DescribeExecution'],
  everyMinutes: 2,
  localEverySeconds: 30,
  /** Executions that ended more recently are still having their failure recorded. */
  stalledAfterSeconds: 120,
} as const satisfies {
  entry: string;
  timeoutSeconds: number;
  table: TableAccess;
  workflow: readonly WorkflowAction[];
  everyMinutes: number;
  localEverySeconds: number;
  stalledAfterSeconds: number;
};
