/**
 * Saves a screenshot of the dashboard with tasks in every status:
 *   npx tsx tests/e2e/screenshot.ts [file=docs/dashboard.png] [width=1280]
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient, removeDataDir, startLocalService } from '../helpers/local-service.ts';
import { launchChromium } from './browser.ts';

const file = resolve(process.argv[2] ?? 'docs/dashboard.png');
const width = Number(process.argv[3] ?? 1280);

const service = await startLocalService();
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

  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(service.url);
  await page.locator('[data-task-id]').nth(6).waitFor();
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
