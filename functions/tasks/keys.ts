import type { TaskStatus } from './model.ts';
import { SHARDS } from './schema.ts';

/** The index key attributes of a task: derived from owner, id, status and name, never edited by hand. */
export interface TaskKeys {
  owner: string;
  owner_status: string;
  shard: string;
  shard_status: string;
  name_key?: string;
  name_sort?: string;
}

/**
 * The shard of a task: FNV-1a (32 bit) of its id, modulo SHARDS. A ULID's last 16
 * characters are random, so tasks spread evenly and a burst of creates in one
 * millisecond still lands on every shard.
 */
export function shardOf(taskId: string, shards = SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < taskId.length; i++) {
    hash ^= taskId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export function shardKey(shard: number): string {
  return `shard#${String(shard).padStart(2, '0')}`;
}

export function allShardKeys(shards = SHARDS): string[] {
  return Array.from({ length: shards }, (_, shard) => shardKey(shard));
}

export const ownerStatusKey = (owner: string, status: TaskStatus) => `${owner}#${status}`;
export const shardStatusKey = (shard: string, status: TaskStatus) => `${status}#${shard}`;

/**
 * A name as search compares it: NFKC folds compatibility forms (full-width letters,
 * ligatures), then lower case, surrounding spaces trimmed. Search by prefix is then
 * case-insensitive with `begins_with` on the index's sort key.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().trim();
}

/** The sort key of the name indexes: name first, the id keeps equal names apart. */
export const nameSortKey = (name: string, taskId: string) => `${nameKey(name)}#${taskId}`;

export function taskKeys(
  owner: string,
  taskId: string,
  status: TaskStatus,
  name: string | null,
): TaskKeys {
  const shard = shardKey(shardOf(taskId));
  const keys: TaskKeys = {
    owner,
    owner_status: ownerStatusKey(owner, status),
    shard,
    shard_status: shardStatusKey(shard, status),
  };
  // An unnamed task has no name key, so it stays out of the name indexes (sparse).
  if (name !== null && nameKey(name) !== '') {
    keys.name_key = nameKey(name);
    keys.name_sort = nameSortKey(name, taskId);
  }
  return keys;
}

/** An owner as the store accepts it: a token's `sub` or client id, or the anonymous owner. */
export function isOwner(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 256 &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    !/[\u0000-\u001f]/.test(value)
  );
}
