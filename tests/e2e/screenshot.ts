/**
 * Saves screenshots of the dashboard with tasks in every status, and of one running task's
 * page, light and dark, on a wide screen (the whole page) and on a phone (its first screen):
 *   npm run screenshot -- [folder=docs]
 * writes dashboard-{light,dark}-{wide,phone}.png and task-page-{light,dark}-{wide,phone}.png.
 */
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { newTask } from '../../functions/tasks/model.ts';
import { createTask, documentClient } from '../../functions/tasks/store.ts';
import { apiClient, removeDataDir, startLocalService } from '../helpers/local-service.ts';
import { launchChromium } from './browser.ts';

const folder = resolve(process.argv[2] ?? 'docs');
const shots = [
  { scheme: 'light', screen: 'wide', width: 1280, height: 900, fullPage: true },
  { scheme: 'dark', screen: 'wide', width: 1280, height: 900, fullPage: true },
  { scheme: 'light', screen: 'phone', width: 375, height: 740, fullPage: false },
  { scheme: 'dark', screen: 'phone', width: 375, height: 740, fullPage: false },
] as const;

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

  const ledger = await create('Monthly ledger export', 60);
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

  for (const shot of shots) {
    const page = await browser.newPage({
      viewport: { width: shot.width, height: shot.height },
      colorScheme: shot.scheme,
    });
    await page.goto(service.url);
    await page.locator('[data-task-id]').nth(8).waitFor();
    // The totals come after the first page of the list.
    await page.locator('#summary-note', { hasText: 'in all' }).waitFor();
    await sleep(1_200);
    const file = join(folder, `dashboard-${shot.scheme}-${shot.screen}.png`);
    await page.screenshot({ path: file, fullPage: shot.fullPage });
    console.log(`Saved ${file} (${shot.width} px wide)`);

    await page.goto(`${service.url}/#/tasks/${ledger}`);
    await page.locator('#detail-eta', { hasText: 'left' }).waitFor();
    await page.locator('#timeline li').nth(1).waitFor();
    await sleep(600);
    // A reader looks at the page, not at the focus ring on its heading.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const taskFile = join(folder, `task-page-${shot.scheme}-${shot.screen}.png`);
    await page.screenshot({ path: taskFile, fullPage: shot.fullPage });
    await page.close();
    console.log(`Saved ${taskFile} (${shot.width} px wide)`);
  }
} catch (error) {
  console.error(service.output());
  throw error;
} finally {
  await browser.close();
  await service.stop();
  removeDataDir(service.dataDir);
}
