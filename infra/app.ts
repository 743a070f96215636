import { App } from 'aws-cdk-lib';
import { SettingsError } from './settings.ts';
import { addTasksService } from './tasks-app.ts';

const app = new App();
try {
  addTasksService(app);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
