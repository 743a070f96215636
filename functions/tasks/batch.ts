import { setTimeout as wait } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys per request. */
const MAX_KEYS = 100;
const MAX_ATTEMPTS = 8;

export interface BatchGetOptions {
  /** Waits between retries of unprocessed keys; injectable so tests need no real time. */
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Reads items by primary key, in the order of `ids`, leaving out those that do not
 * exist (deleted between an index query and this read). BatchGetItem may return part
 * of a request as UnprocessedKeys when capacity runs short; those are asked again with
 * exponential backoff, as the DynamoDB developer guide recommends
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
 * Reads are eventually consistent (half the units): the index read before is eventually
 * consistent anyway.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  keyName: string,
  ids: readonly string[],
  { sleep = wait }: BatchGetOptions = {},
): Promise<Item[]> {
  const found = new Map<string, Item>();
  for (let start = 0; start < ids.length; start += MAX_KEYS) {
    let keys: Item[] = [...new Set(ids.slice(start, start + MAX_KEYS))].map((id) => ({
      [keyName]: id,
    }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        throw new Error(
          `BatchGetItem left ${keys.length} keys unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await sleep(Math.min(25 * 2 ** attempt, 1000));
      const { Responses, UnprocessedKeys } = await db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } }),
      );
      for (const item of Responses?.[tableName] ?? []) found.set(String(item[keyName]), item);
      keys = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    }
  }
  return ids.flatMap((id) => {
    const item = found.get(id);
    return item ? [item] : [];
  });
}
