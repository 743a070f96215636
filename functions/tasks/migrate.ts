import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { taskKeys } from './keys.ts';
import { isStatus } from './model.ts';
import { ANONYMOUS_OWNER } from './schema.ts';
import { type TaskTable, taskUpdate, updateParts, writeWithTotals } from './store.ts';
import { milestoneOf } from './timeline.ts';

/**
 * Gives tasks written before owners and totals existed (no `shard` attribute) to the
 * anonymous owner: writes their index keys and a timeline, and counts them in the
 * totals, each in one transaction conditioned on the task still lacking its keys, so a
 * task is counted once even if it changes status meanwhile or two migrations run.
 *
 * A one-off Scan, run by an operator after deploying the new indexes (never on a
 * request's path). Returns how many tasks it keyed.
 */
export async function migrateLegacyTasks(table: TaskTable): Promise<number> {
  let migrated = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: 'attribute_exists(#status) AND attribute_not_exists(#shard)',
        ExpressionAttributeNames: { '#status': 'status', '#shard': 'shard' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const taskId = String(item.task_id);
      const status = item.status;
      if (!isStatus(status)) continue;
      const keys = taskKeys(
        ANONYMOUS_OWNER,
        taskId,
        status,
        typeof item.name === 'string' ? item.name : null,
      );
      const created =
        typeof item.created_at === 'string' ? item.created_at : new Date(0).toISOString();
      const update = updateParts({ ...keys, milestone: milestoneOf(Number(item.progress ?? 0)) });
      update.expression +=
        ', #events = if_not_exists(#events, :events), #events_total = if_not_exists(#events_total, :one) REMOVE #kind';
      Object.assign(update.names, {
        '#events': 'events',
        '#events_total': 'events_total',
        '#kind': 'kind',
        '#shard': 'shard',
        '#status': 'status',
      });
      Object.assign(update.values, {
        ':events': [{ at: created, type: 'created' }],
        ':one': 1,
        ':status': status,
      });
      const conditions = ['attribute_not_exists(#shard)', '#status = :status'];
      try {
        await writeWithTotals(
          table,
          [{ Update: taskUpdate(table, taskId, update, conditions) }],
          [{ owner: ANONYMOUS_OWNER, taskId, to: status }],
        );
        migrated++;
      } catch (error) {
        // Changed, keyed or deleted meanwhile: the store has dealt with it.
        if (!(error instanceof TransactionCanceledException)) throw error;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return migrated;
}
