import { ValidationError } from '../errors.ts';
import { simulate } from './simulate.ts';
import type { TaskType } from './task-type.ts';

/** The registry of task types. A new kind of work is one module and one line here. */
const TYPES = new Map<string, TaskType>([['simulate', simulate as TaskType]]);

export const DEFAULT_TYPE = 'simulate';
export const TYPE_NAMES: readonly string[] = [...TYPES.keys()];
/** The schema of each type's input, by type name. */
export const INPUT_SCHEMAS = Object.fromEntries(
  [...TYPES].map(([name, type]) => [name, type.input]),
);

/** A Map, not an object: no name such as "toString" or "__proto__" finds an inherited property. */
export function taskType(name: string): TaskType {
  const type = TYPES.get(name);
  if (!type) {
    throw new ValidationError(
      `Unknown task type "${name}"; known types: ${TYPE_NAMES.join(', ')}`,
      'unknown_type',
    );
  }
  return type;
}
