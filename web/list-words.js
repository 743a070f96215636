// @ts-check
/** What the list page says about its list: its order, an empty list, the page title. */

/** @param {string} search '' for none */
export function listOrderText(search) {
  return search ? `matching “${search}”, by name` : 'newest first';
}

/**
 * What the list says while it shows no task.
 * @param {{ loaded: boolean, status: string, search: string }} list '' for none
 */
export function emptyListText({ loaded, status, search }) {
  if (!loaded) return 'Loading tasks…';
  if (search) return `No task matches “${search}”.`;
  return status ? `No ${status} tasks.` : 'No tasks yet.';
}

/** @param {number} active how many shown tasks are pending or running */
export function listTitle(active) {
  return active > 0 ? `Tasks (${active} active)` : 'Tasks';
}
