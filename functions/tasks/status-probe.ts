import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { isStatus, type TaskStatus } from './model.ts';
import type { TaskTable } from './store.ts';

/**
 * The task's status as one eventually consistent GetItem of the `status` attribute:
 * half a read unit for an item up to 4 KB (the unit follows the item's size, not the
 * projection: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html),
 * against a whole write unit for a progress write. Undefined when the item is gone.
 * Eventually consistent, so it may lag a change by a moment: a caller treats what it
 * says as a hint and confirms with a conditional write.
 */
export async function readStatus(
  table: TaskTable,
  taskId: string,
): Promise<TaskStatus | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({
      TableName: table.name,
      Key: { task_id: taskId },
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#status': 'status' },
      ConsistentRead: false,
    }),
  );
  return isStatus(Item?.status) ? Item.status : undefined;
}
