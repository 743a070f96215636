/**
 * Saves a screenshot of the dashboard with tasks in every status:
 *   npm run screenshot -- [file=docs/dashboard.png] [width=1280]
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { newTask } from '../../functions/tasks/model.ts';
import { createTask, documentClient } from '../../functions/tasks/store.ts';
import { apiClient, removeDataDir, startLocalService } from '../helpers/local-service.ts';
import { launchChromium } from './browser.ts';

const file = resolve(process.argv[2] ?? 'docs/dashboard.png');
const width = Number(process.argv[3] ?? 1280);

const service = await startLocalService();

/**
 * Locally a task leaves PENDING within milliseconds, too fast to photograph, so one task
 * is written to the table as the API writes it, without starting its execution.
 */
async function addWaitingTask(name: string) {
  const endpoint = /DynamoDB at (http:\/\/\S+),/.exec(service.output())?.[1];
  const table = {
    db: documentClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    name: 'tasks',
    retentionSeconds: 86_400,
  };
  const input = { duration_seconds: 30, fail: false };
  await createTask(
    table,
    newTask({ taskId: ulid(), name, type: 'simulate', input, now: new Date() }),
  );
}
const browser = await launchChromium().catch(async (error: unknown) => {
  await service.stop();
  throw error;
});
try {
  const api = apiClient(service.url);
  const create = async (name: string, duration_seconds: number, fail = false) =>
    (await api('POST', '/tasks', { name, type: 'simulate', input: { duration_seconds, fail } }))
      .body.task_id as string;

  await create('Nightly sales report', 2);
  await create('Invoice export', 3, true);
  const resize = await create('Resize product images', 600);
  await create(null as unknown as string, 2);
  await create('Quarterly roll-up', 20);
  await create('Re-index search catalogue', 3_600);
  await sleep(2_500);
  await api('PATCH', `/tasks/${resize}/status`, { status: 'CANCELLED' });
  await sleep(4_000);
  await create('Warm caches', 120);
  await addWaitingTask('Archive old invoices');

  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(service.url);
  await page.locator('[data-task-id]').nth(7).waitFor();
  await sleep(1_200);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`Saved ${file} (${width} px wide)`);
} catch (error) {
  console.error(service.output());
  throw error;
} finally {
  await browser.close();
  await service.stop();
  removeDataDir(service.dataDir);
}
