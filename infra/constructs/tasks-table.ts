import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../functions/tasks/schema.ts';

export interface TasksTableProps {
  /** Days a finished task is kept; the API sets the TTL attribute from it. */
  retentionDays: number;
  removalPolicy: RemovalPolicy;
}

/**
 * The tasks table, with the keys, indexes (projections included) and TTL attribute
 * local mode creates too (infra/local/table.ts); both read functions/tasks/schema.ts.
 */
export class TasksTable extends Construct {
  readonly table: TableV2;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: TasksTableProps) {
    super(scope, id);
    this.retentionDays = props.retentionDays;
    const string = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new TableV2(this, 'Table', {
      partitionKey: string(TABLE_SCHEMA.partitionKey),
      globalSecondaryIndexes: Object.values(TABLE_SCHEMA.indexes).map((index) => ({
        indexName: index.name,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
        // KEYS_ONLY: progress writes touch no index (see functions/tasks/schema.ts).
        projectionType: ProjectionType[index.projection],
      })),
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      // The old image of each TTL delete lets a consumer uncount the expired task from the
      // totals (functions/tasks/totals.ts, uncountExpiredTask).
      dynamoStream: StreamViewType.OLD_IMAGE,
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    });
  }
}
