/**
 * The typed client of the tasks API: openapi-fetch over the types generated from the
 * OpenAPI document (schema.d.ts), with retries that cannot duplicate a task (retry.ts).
 */
import createClient from 'openapi-fetch';
import { type RetryOptions, retryAfterMs, retryingFetch } from './retry.ts';
import type { components, paths } from './schema.d.ts';

export type Task = components['schemas']['Task'];
export type TaskStatus = Task['status'];
export type TaskResult = components['schemas']['TaskResult'];
export type CreateTaskRequest = components['schemas']['CreateTaskRequest'];
/** A task with its timeline (`GET /tasks/{id}`). */
export type TaskDetail = components['schemas']['TaskDetail'];
export type TaskEvent = TaskDetail['events'][number];
/** The caller's tasks per status, and in all (`GET /tasks/totals`). */
export type TaskTotals = components['schemas']['TaskTotals'];

/** A page query of `GET /tasks`; `search` (an id or a name prefix) excludes `status`. */
export interface ListQuery {
  status?: TaskStatus;
  search?: string;
  limit?: number;
  cursor?: string;
  /** Operators only: one owner's tasks. */
  owner?: string;
}

export const STATUSES: readonly TaskStatus[] = [
  'PENDING',
  'RUNNING',
  'SUCCESS',
  'FAILURE',
  'CANCELLED',
];
export const FINISHED_STATUSES: readonly TaskStatus[] = ['SUCCESS', 'FAILURE', 'CANCELLED'];
export const isFinished = (status: TaskStatus) => FINISHED_STATUSES.includes(status);

/** The API refused the request; `code` is the stable code of its answer. */
export class TasksApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'TasksApiError';
    this.status = status;
    this.code = code;
  }
}

export interface TasksClientOptions extends RetryOptions {
  /** The service's root, e.g. http://localhost:3000. */
  baseUrl: string;
  /** An access token, sent as `Authorization: Bearer …`. */
  token?: string;
  fetch?: (request: Request) => Promise<Response>;
}

export type StatusAnswer =
  | { changed: true; task: Task; etag: string | undefined; retryAfterMs: number | undefined }
  | { changed: false; etag: string | undefined; retryAfterMs: number | undefined };

function refusal(response: Response, error: unknown): TasksApiError {
  const body = (error ?? {}) as { error?: string; code?: string; message?: string };
  const message = body.error ?? body.message ?? `The tasks API answered ${response.status}`;
  return new TasksApiError(response.status, body.code ?? `http_${response.status}`, message);
}

/** The answer's data, or its refusal thrown as a TasksApiError. */
async function dataOf<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await request;
  if (!data) throw refusal(response, error);
  return data;
}

/** The cursor of the next page, from `Link: <…?cursor=…>; rel="next"`. */
export function nextCursor(link: string | null): string | undefined {
  const target = link?.match(/<([^>]*)>\s*;\s*rel="next"/)?.[1];
  return target ? (new URL(target, 'http://x').searchParams.get('cursor') ?? undefined) : undefined;
}

export function createTasksClient(options: TasksClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: retryingFetch(options.fetch ?? ((request) => globalThis.fetch(request)), options),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });

  async function statusOf(id: string, held?: { etag?: string; waitSeconds?: number }) {
    const { data, error, response } = await api.GET('/tasks/{id}/status', {
      params: {
        path: { id },
        ...(held?.waitSeconds && held.etag && { query: { wait: String(held.waitSeconds) } }),
        ...(held?.etag && { header: { 'If-None-Match': held.etag } }),
      },
    });
    const etag = response.headers.get('etag') ?? undefined;
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    if (response.status === 304) return { changed: false, etag, retryAfterMs: retryAfter } as const;
    if (!data) throw refusal(response, error);
    return { changed: true, task: data, etag, retryAfterMs: retryAfter } as const;
  }

  return {
    /** The openapi-fetch client itself, for anything the methods below do not cover. */
    api,

    /** Creates a task; safe to retry: every attempt carries one Idempotency-Key (a new one by default). */
    async createTask(body: CreateTaskRequest = {}, idempotencyKey: string = crypto.randomUUID()) {
      return dataOf(
        api.POST('/tasks', {
          body,
          params: { header: { 'Idempotency-Key': idempotencyKey } },
        }),
      );
    },

    /**
     * One page and the cursor of the next one if there is one: newest first, or with
     * `search` the task of that id, else the tasks whose name starts so, by name.
     */
    async listTasks(query: ListQuery = {}) {
      const { data, error, response } = await api.GET('/tasks', {
        params: {
          query: {
            ...(query.search && { search: query.search }),
            ...(query.status && { status: query.status }),
            ...(query.limit && { limit: String(query.limit) }),
            ...(query.cursor && { cursor: query.cursor }),
            ...(query.owner && { owner: query.owner }),
          },
        },
      });
      if (!data) throw refusal(response, error);
      return { tasks: data, cursor: nextCursor(response.headers.get('link')) };
    },

    /** A page of the search for `text`: a task id (any case), or a name prefix in any case. */
    searchTasks(text: string, query: Omit<ListQuery, 'search' | 'status'> = {}) {
      return this.listTasks({ ...query, search: text });
    },

    /** Every task, page after page. */
    async *allTasks(query: Omit<ListQuery, 'cursor'> = {}): AsyncGenerator<Task> {
      let cursor: string | undefined;
      do {
        const page = await this.listTasks({ ...query, cursor });
        yield* page.tasks;
        cursor = page.cursor;
      } while (cursor);
    },

    async getTask(id: string): Promise<Task> {
      const answer = await statusOf(id);
      if (!answer.changed) throw new TasksApiError(304, 'not_modified', 'Unexpected 304');
      return answer.task;
    },

    /**
     * The task if it differs from the copy `etag` names; with `waitSeconds` (1–20) the service
     * holds the request until it does, or answers `changed: false` when the time is up.
     */
    getStatus: (id: string, held: { etag?: string; waitSeconds?: number } = {}) =>
      statusOf(id, held) as Promise<StatusAnswer>,

    /** The task and its timeline (`events`, oldest first). */
    async getTaskDetail(id: string): Promise<TaskDetail> {
      return dataOf(api.GET('/tasks/{id}', { params: { path: { id } } }));
    },

    /** The caller's tasks counted per status; an operator's are every owner's, or `owner`'s. */
    async getTotals(query: { owner?: string } = {}): Promise<TaskTotals> {
      return dataOf(
        api.GET('/tasks/totals', {
          params: { query: { ...(query.owner && { owner: query.owner }) } },
        }),
      );
    },

    async getResult(id: string): Promise<TaskResult> {
      return dataOf(api.GET('/tasks/{id}/result', { params: { path: { id } } }));
    },

    async cancelTask(id: string): Promise<Task> {
      return dataOf(
        api.PATCH('/tasks/{id}/status', {
          params: { path: { id } },
          body: { status: 'CANCELLED' },
        }),
      );
    },

    async deleteTask(id: string): Promise<void> {
      await dataOf(api.DELETE('/tasks/{id}', { params: { path: { id } } }));
    },

    /** Follows the task with the long poll, calling `onChange` with each new state, until it ends. */
    async waitUntilFinished(id: string, onChange: (task: Task) => void = () => {}): Promise<Task> {
      const first = await statusOf(id);
      if (!first.changed) throw new TasksApiError(304, 'not_modified', 'Unexpected 304');
      let { task, etag } = first;
      onChange(task);
      while (!isFinished(task.status)) {
        const next = await statusOf(id, { etag, waitSeconds: 20 });
        if (next.changed) {
          task = next.task;
          etag = next.etag;
          onChange(task);
        }
      }
      return task;
    },
  };
}

export type TasksClient = ReturnType<typeof createTasksClient>;
