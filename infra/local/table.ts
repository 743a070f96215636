import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../../functions/tasks/schema.ts';
import { localClient } from './dynamodb.ts';

/** Every attribute some key is made of; all are strings. */
export function keyAttributes(): string[] {
  const indexes = Object.values(TABLE_SCHEMA.indexes);
  return [
    ...new Set<string>([
      TABLE_SCHEMA.partitionKey,
      ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ]),
  ];
}

/** The CreateTable request for the tasks table, from the schema the CDK stack reads too. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes().map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: Object.values(TABLE_SCHEMA.indexes).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

/**
 * Creates the tasks table with its indexes and TTL, if missing. A table left by an
 * older version (other indexes) is reported, not silently used: its lists would be wrong.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = Object.values(TABLE_SCHEMA.indexes).filter((index) => !present.has(index.name));
    if (missing.length > 0) {
      throw new Error(
        `Table ${tableName} lacks the indexes ${missing.map((index) => index.name).join(', ')}: ` +
          'it was made by an older version; delete the data directory (DATA_DIR) to start afresh',
      );
    }
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
    }),
  );
}
