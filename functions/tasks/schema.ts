/**
 * The table's keys and indexes, read by the CDK stack and by local mode so the
 * two create the same table.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'task_id',
  ttlAttribute: 'expires_at',
  indexes: {
    /** Every task, newest first: one partition (`kind`), sorted by the time-ordered id. */
    byCreation: { name: 'by-creation', partitionKey: 'kind', sortKey: 'task_id' },
    /** Tasks of one status, newest first. */
    byStatus: { name: 'by-status', partitionKey: 'status', sortKey: 'task_id' },
  },
} as const;

/** The constant value of `kind`, the partition of the creation index. */
export const TASK_KIND = 'task';
