/**
 * The table's keys and indexes, read by the CDK stack (infra/constructs/tasks-table.ts)
 * and by local mode (infra/local/table.ts) so the two create the same table.
 *
 * One table, three kinds of item, all under the partition key `task_id`:
 * - a task: `task_id` = its ULID;
 * - an owner's totals: `task_id` = `totals#owner#<owner>`;
 * - a shard of the all-owners totals: `task_id` = `totals#all#NN`.
 *
 * Every index is KEYS_ONLY: an index entry is written only when one of its key
 * attributes changes. Progress changes none of them, so a progress write touches the
 * item alone (1 write unit up to 1 KB, instead of 3 with two ALL-projected indexes);
 * a status change rewrites the two status indexes (a few times per task). Lists read
 * the keys from an index, then the items with BatchGetItem.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'task_id',
  ttlAttribute: 'expires_at',
  indexes: {
    /** One owner's tasks, newest first (ULIDs sort by time). */
    byOwner: {
      name: 'by-owner',
      partitionKey: 'owner',
      sortKey: 'task_id',
      projection: 'KEYS_ONLY',
    },
    /** One owner's tasks of one status: `owner_status` = `<owner>#<status>`. */
    byOwnerStatus: {
      name: 'by-owner-status',
      partitionKey: 'owner_status',
      sortKey: 'task_id',
      projection: 'KEYS_ONLY',
    },
    /** Every task, spread over SHARDS partitions `shard#NN`; read by scatter-gather. */
    byShard: {
      name: 'by-shard',
      partitionKey: 'shard',
      sortKey: 'task_id',
      projection: 'KEYS_ONLY',
    },
    /** Every task of one status: `shard_status` = `<status>#shard#NN`. */
    byShardStatus: {
      name: 'by-shard-status',
      partitionKey: 'shard_status',
      sortKey: 'task_id',
      projection: 'KEYS_ONLY',
    },
    /** One owner's named tasks by name: `name_sort` = `<name_key>#<task_id>`. */
    byOwnerName: {
      name: 'by-owner-name',
      partitionKey: 'owner',
      sortKey: 'name_sort',
      projection: 'KEYS_ONLY',
    },
    /** Every named task by name, sharded like by-shard. */
    byShardName: {
      name: 'by-shard-name',
      partitionKey: 'shard',
      sortKey: 'name_sort',
      projection: 'KEYS_ONLY',
    },
  },
} as const;

export type TableIndex = (typeof TABLE_SCHEMA.indexes)[keyof typeof TABLE_SCHEMA.indexes];

/**
 * Partitions of the all-tasks indexes and of the all-owners totals. One index partition
 * takes about 1,000 writes/s; 16 shards take 16,000/s, above the 1,000 creates/s
 * (each create and each status change writes one entry in one shard) the service is
 * sized for, while an all-tasks page costs 16 small queries. Changing it re-keys every
 * task: it is a property of the data, not a setting.
 */
export const SHARDS = 16;

/**
 * Counter items the totals are split over, so that concurrent status changes rarely
 * meet on one item: a transaction that finds another transaction on one of its items
 * is cancelled (TransactionConflict) and retried. A change updates one counter of its
 * owner and one of every owner, chosen by a hash of the task id. Reading an owner's
 * totals reads 8 items (4 read units), an operator's 32 (16 units).
 */
export const TOTALS_SHARDS = { owner: 8, all: 32 } as const;

/** The owner of every task when sign-in is off (AUTH=none). */
export const ANONYMOUS_OWNER = 'anonymous';

/**
 * Entries kept in a task's timeline. A task's life writes at most 6 (created, started,
 * three progress milestones, the end), so the bound only stops a runaway writer.
 */
export const TIMELINE_LIMIT = 50;

/** Progress values whose first crossing is recorded in the timeline. */
export const PROGRESS_MILESTONES = [25, 50, 75] as const;

/** @deprecated The old single-partition creation index's key; no item carries it now. */
export const TASK_KIND = 'task';
