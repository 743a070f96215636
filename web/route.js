// @ts-check
/**
 * The page's address: the list at `/` (with `?status=` or `?search=`), one task at
 * `#/tasks/<id>`. A hash, not a path, because the bucket behind CloudFront serves only
 * index.html at `/`; the hash survives a reload and can be shared.
 */

export const LIST_HASH = '#/';

/**
 * What a page hash asks for.
 * @param {string} hash e.g. `location.hash`
 * @returns {{ page: 'list' } | { page: 'task', taskId: string }}
 */
export function routeOf(hash) {
  const match = /^#\/tasks\/([^/?#]+)\/?$/.exec(hash);
  if (!match?.[1]) return { page: 'list' };
  let taskId;
  try {
    taskId = decodeURIComponent(match[1]);
  } catch {
    return { page: 'list' };
  }
  return taskId.trim() ? { page: 'task', taskId } : { page: 'list' };
}

/**
 * The link to a task's page, relative to the current page so that its query stays.
 * @param {string} taskId
 */
export function taskHref(taskId) {
  return `#/tasks/${encodeURIComponent(taskId)}`;
}
