import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings, type TasksSettings } from './settings.ts';
import { TasksStack } from './tasks-stack.ts';

/**
 * Adds the service's stack to `app`, configured from the app's context and `overrides`, and
 * checks it with cdk-nag: synthesis fails on any finding not acknowledged with a reason.
 */
export function addTasksService(app: App, overrides: Partial<TasksSettings> = {}): TasksStack {
  const settings = readSettings(app.node, overrides);
  const stack = new TasksStack(app, `tasks-service-${settings.stage}`, {
    description: `Long-running tasks service (${settings.stage})`,
    settings,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
