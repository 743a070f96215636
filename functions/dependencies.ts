import type { Clock } from './clock.ts';
import type { TaskWorkflow } from './tasks/launcher.ts';
import type { TaskTable } from './tasks/store.ts';

/**
 * Everything a handler may depend on. Each handler module exports `makeHandler(deps)`
 * taking the part it uses; its Lambda `handler` wires the real ones at the edge.
 */
export interface Dependencies {
  table: TaskTable;
  workflow: TaskWorkflow;
  clock: Clock;
}
