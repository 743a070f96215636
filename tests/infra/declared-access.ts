import {
  RESUME_FUNCTION,
  ROUTES,
  type TableAccess,
  WORKFLOW_FUNCTIONS,
} from '../../functions/catalog.ts';
import type { SentOperations } from './sdk-calls.ts';

/** What the route table lets one function do. */
export interface DeclaredAccess {
  entry: string;
  table: TableAccess;
  workflow?: readonly string[];
}

/** Every function of the service with its declared access, by name. */
export function declaredAccess(): Record<string, DeclaredAccess> {
  const resume: DeclaredAccess = RESUME_FUNCTION;
  return {
    ...Object.fromEntries(ROUTES.map((route) => [route.name, route])),
    ...Object.fromEntries(Object.entries(WORKFLOW_FUNCTIONS)),
    ResumeTasks: resume,
  };
}

/** Every difference between the declared access and the operations sent, in both directions. */
export function accessDifferences(declared: DeclaredAccess, sent: SentOperations): string[] {
  const pairs: [string, readonly string[], readonly string[]][] = [
    ['table item', declared.table.items ?? [], sent.items],
    ['table index', declared.table.indexes ?? [], sent.indexes],
    ['workflow', declared.workflow ?? [], sent.workflow],
  ];
  return pairs.flatMap(([what, allowed, used]) => [
    ...used.filter((op) => !allowed.includes(op)).map((op) => `sends ${what} ${op}, undeclared`),
    ...allowed.filter((op) => !used.includes(op)).map((op) => `declares ${what} ${op}, never sent`),
  ]);
}
