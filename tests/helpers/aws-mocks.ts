import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { TaskWorkflow } from '../../functions/tasks/launcher.ts';
import { documentClient, type TaskTable } from '../../functions/tasks/store.ts';

export const table: TaskTable = {
  db: documentClient(),
  name: 'tasks-test',
  retentionSeconds: 86_400,
  // A write that lost a race retries at once: no unit test waits for real time.
  sleep: async () => undefined,
};
export const workflow: TaskWorkflow = {
  sfn: new SFNClient({}),
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:tasks-test',
};

/*
 * The mocks stub these two clients only, not their classes: unit test files share one module
 * cache (isolate: false), and a stubbed class would leave every later file's real clients
 * (the emulator's, the retry tests') answering from these mocks.
 */
export const db = mockClient(table.db);
export const sfn = mockClient(workflow.sfn);

/** Forgets every scripted answer and recorded call of both mocks. */
export function resetAwsMocks() {
  db.reset();
  sfn.reset();
}
