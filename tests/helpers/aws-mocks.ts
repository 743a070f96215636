import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { TaskWorkflow } from '../../functions/tasks/launcher.ts';
import { documentClient, type TaskTable } from '../../functions/tasks/store.ts';

/** Every DynamoDB document client and Step Functions client of the importing test file answers from these. */
export const db = mockClient(DynamoDBDocumentClient);
export const sfn = mockClient(SFNClient);

export const table: TaskTable = {
  db: documentClient(),
  name: 'tasks-test',
  retentionSeconds: 86_400,
};
export const workflow: TaskWorkflow = {
  sfn: new SFNClient({}),
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:tasks-test',
};

/** Forgets every scripted answer and recorded call of both mocks. */
export function resetAwsMocks() {
  db.reset();
  sfn.reset();
}
