import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/local-service.ts';
import { createSimulatedTask, dashboardSuite } from './browser.ts';

/** The task page, search, totals, re-run and bulk actions of the dashboard, in Chromium. */

const suite = dashboardSuite();

const PAGE_SIZE = 20;

async function open(
  address = '',
  { width = 1280, height = 900, colorScheme = 'light' as 'light' | 'dark' } = {},
): Promise<Page> {
  if (!suite.browser || !suite.service) throw new Error('The browser or the service did not start');
  suite.context = await suite.browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await suite.context.newPage();
  await page.goto(`${suite.service.url}/${address}`);
  await page.locator('#sync', { hasText: 'Live' }).waitFor();
  return page;
}

const createTask = (name: string, durationSeconds: number, fail = false) =>
  createSimulatedTask(suite, name, durationSeconds, fail);

/** Creates `count` tasks named `<prefix> 01`, `<prefix> 02`… a few at a time. */
async function createMany(prefix: string, count: number, durationSeconds: number) {
  const ids: string[] = [];
  for (let start = 1; start <= count; start += 8) {
    const batch = Array.from({ length: Math.min(8, count - start + 1) }, (_, i) =>
      createTask(`${prefix} ${String(start + i).padStart(2, '0')}`, durationSeconds),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

const status = async (taskId: string) => (await suite.api('GET', `/tasks/${taskId}`)).body.status;

async function waitForStatus(taskId: string, wanted: string) {
  await waitFor(async () => ((await status(taskId)) === wanted ? true : undefined), 30_000, 200);
}

const row = (page: Page, taskId: string) => page.locator(`[data-task-id="${taskId}"]`);
const shownIds = (page: Page) =>
  page
    .locator('#task-list [data-task-id]')
    .evaluateAll((rows) => rows.map((each) => (each as HTMLElement).dataset.taskId));
const detail = (page: Page) => page.locator('#task-detail');

/** Checks what the page of the quick-report task shows: fields, input, outcome and timeline. */
async function expectTaskPage(page: Page, taskId: string) {
  await page.getByRole('heading', { name: 'page: quick report', level: 2 }).waitFor();
  const shown = detail(page);
  await shown.locator('#detail-id', { hasText: taskId }).waitFor();
  expect(await shown.locator('#detail-type').textContent()).toBe('simulate');
  expect(await shown.locator('#detail-status').textContent()).toBe('SUCCESS');
  expect(await shown.locator('#detail-percent').textContent()).toBe('100 %');
  const input = (await shown.locator('#detail-input').textContent()) ?? '';
  expect(JSON.parse(input)).toEqual({ duration_seconds: 1.5, fail: false });
  expect(input).toContain('\n  "fail": false');
  expect(await shown.locator('.task-outcome').textContent()).toContain('completed successfully');
  const timeline = await shown.locator('#timeline li').evaluateAll((items) =>
    items.map((item) => ({
      event: (item as HTMLElement).dataset.event,
      at: item.querySelector('time')?.getAttribute('datetime'),
    })),
  );
  expect(timeline.map((each) => each.event)).toEqual(
    expect.arrayContaining(['created', 'started', 'succeeded']),
  );
  expect(timeline[0]?.event).toBe('created');
  expect(timeline.at(-1)?.event).toBe('succeeded');
  expect(timeline.every((each) => each.at && !Number.isNaN(Date.parse(each.at)))).toBe(true);
}

describe('task page', () => {
  it('opens from the row link at an address naming the task, and survives a reload', async () => {
    const taskId = await createTask('page: quick report', 1.5);
    await waitForStatus(taskId, 'SUCCESS');
    const page = await open();
    const link = page.getByRole('link', { name: 'page: quick report', exact: true });
    await link.click();
    expect(new URL(page.url()).hash).toBe(`#/tasks/${taskId}`);
    await expectTaskPage(page, taskId);
    // Back on the list, the focus is where it was: on the task's link.
    await page.goBack();
    await row(page, taskId).waitFor();
    expect(await link.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.goForward();
    await expectTaskPage(page, taskId);
    await page.reload();
    await expectTaskPage(page, taskId);
    // No list request while the task page is shown: it polls only its task.
    const listGets: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/tasks') listGets.push(request.url());
    });
    await sleep(1_500);
    expect(listGets).toEqual([]);

    await page.getByRole('link', { name: '← All tasks' }).click();
    await row(page, taskId).waitFor();
    expect(new URL(page.url()).hash).toBe('#/');
  });

  it('shows a running task with an estimated finish, and cancels it there', async () => {
    const taskId = await createTask('page: long export', 120);
    const page = await open(`#/tasks/${taskId}`);
    const shown = detail(page);
    await shown.locator('#detail-status', { hasText: 'RUNNING' }).waitFor();
    await shown.locator('#detail-eta', { hasText: /^about .+ left \(at .+\)$/ }).waitFor();
    await page.getByRole('button', { name: 'Cancel page: long export', exact: true }).click();
    await shown.locator('#detail-status', { hasText: 'CANCELLED' }).waitFor();
    await shown.locator('#timeline li[data-event="cancelled"]').waitFor();
    expect(await shown.locator('#detail-eta').textContent()).toBe('—');
    expect(await status(taskId)).toBe('CANCELLED');
  });

  it('says "Task not found" for an unknown id, and deletes a task after confirmation', async () => {
    const page = await open('#/tasks/01KB0000000000000000000000');
    await page.getByRole('heading', { name: 'Task not found' }).waitFor();
    expect(await page.locator('#task-missing').textContent()).toContain(
      '01KB0000000000000000000000',
    );
    expect(await detail(page).isHidden()).toBe(true);

    const taskId = await createTask('page: to delete', 60);
    await page.goto(`${suite.service?.url}/#/tasks/${taskId}`);
    await detail(page).locator('#detail-status', { hasText: 'RUNNING' }).waitFor();
    const messages: string[] = [];
    page.once('dialog', (dialog) => {
      messages.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Delete page: to delete', exact: true }).click();
    await page.waitForURL((url) => url.hash === '#/');
    expect(messages).toEqual([expect.stringContaining('page: to delete')]);
    expect((await suite.api('GET', `/tasks/${taskId}`)).status).toBe(404);
    await page.locator('#sync', { hasText: 'Live' }).waitFor();
    expect(await row(page, taskId).count()).toBe(0);
  });
});

describe('search and totals', () => {
  it('finds tasks beyond the first page by name prefix and by id, with "Load more"', async () => {
    const needle = await createTask('Needle in the haystack', 1);
    const hay = await createMany('haystack straw', PAGE_SIZE + 2, 1);
    const page = await open();
    await page
      .locator('#task-list [data-task-id]')
      .nth(PAGE_SIZE - 1)
      .waitFor();
    expect(await row(page, needle).count()).toBe(0);

    const search = page.getByRole('searchbox', { name: 'Search tasks', exact: true });
    await search.fill('needle IN');
    await search.press('Enter');
    await row(page, needle).waitFor();
    expect(await shownIds(page)).toEqual([needle]);
    expect(new URL(page.url()).searchParams.get('search')).toBe('needle IN');

    await search.fill('HAYSTACK straw');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await waitFor(async () => ((await shownIds(page)).length === PAGE_SIZE ? true : undefined));
    expect(await shownIds(page)).toEqual(hay.slice(0, PAGE_SIZE));
    await page.getByRole('button', { name: 'Load more', exact: true }).click();
    await waitFor(async () => ((await shownIds(page)).length === hay.length ? true : undefined));
    expect(await shownIds(page)).toEqual(hay);

    const oldest = hay[0] ?? '';
    await search.fill(needle);
    await search.press('Enter');
    await waitFor(async () => ((await shownIds(page))[0] === needle ? true : undefined));
    expect(await shownIds(page)).toEqual([needle]);
    await page.reload();
    await row(page, needle).waitFor();
    expect(await shownIds(page)).toEqual([needle]);
    expect(await search.inputValue()).toBe(needle);

    await search.fill('no task is called this');
    await search.press('Enter');
    await page.locator('.empty', { hasText: 'No task matches' }).waitFor();
    expect(await row(page, oldest).count()).toBe(0);
  }, 90_000);

  it('shows true totals beyond the loaded page, and filters the list by a clicked total', async () => {
    const before = (await suite.api('GET', '/tasks/totals')).body.counts.SUCCESS as number;
    const done = await createMany('totals: done', 31, 1);
    const failed = await createTask('totals: failed', 1, true);
    for (const taskId of [...done, failed])
      await waitForStatus(taskId, failed === taskId ? 'FAILURE' : 'SUCCESS');
    const page = await open();
    await page
      .locator('#task-list [data-task-id]')
      .nth(PAGE_SIZE - 1)
      .waitFor();
    const expected = (await suite.api('GET', '/tasks/totals')).body;
    expect(expected.counts.SUCCESS).toBeGreaterThanOrEqual(before + 31);
    const success = page.getByRole('button', { name: /^Success/ });
    await success.filter({ hasText: String(expected.counts.SUCCESS) }).waitFor();
    expect(await page.locator('#task-list [data-task-id]').count()).toBe(PAGE_SIZE);
    expect(await page.locator('#summary-note').textContent()).toBe(
      `${expected.total} tasks in all`,
    );

    await page.getByRole('button', { name: /^Failure/ }).click();
    await row(page, failed).waitFor();
    await page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll<HTMLElement>('#task-list [data-task-id]'));
      return rows.length > 0 && rows.every((each) => each.dataset.status === 'FAILURE');
    });
    expect(new URL(page.url()).searchParams.get('status')).toBe('FAILURE');
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('FAILURE');
    expect(await page.getByRole('button', { name: /^Failure/ }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await page.getByRole('button', { name: /^Failure/ }).click();
    await waitFor(async () => ((await shownIds(page)).length === PAGE_SIZE ? true : undefined));
    expect(new URL(page.url()).searchParams.get('status')).toBeNull();
  }, 90_000);
});

describe('re-run and bulk actions', () => {
  it('re-runs a task with the same name, type and input, and shows the new task', async () => {
    const original = await createTask('rerun: weekly digest', 1.2, true);
    await waitForStatus(original, 'FAILURE');
    const page = await open();
    await row(page, original)
      .getByRole('button', { name: 'Re-run rerun: weekly digest', exact: true })
      .click();
    await page.waitForURL((url) => url.hash.startsWith('#/tasks/') && !url.hash.endsWith(original));
    const fromRow = decodeURIComponent(new URL(page.url()).hash.slice('#/tasks/'.length));
    await page.getByRole('heading', { name: 'rerun: weekly digest', level: 2 }).waitFor();
    await detail(page).locator('#detail-id', { hasText: fromRow }).waitFor();

    await page.getByRole('button', { name: 'Re-run rerun: weekly digest', exact: true }).click();
    await page.waitForURL((url) => url.hash.startsWith('#/tasks/') && !url.hash.endsWith(fromRow));
    const fromPage = decodeURIComponent(new URL(page.url()).hash.slice('#/tasks/'.length));
    await detail(page).locator('#detail-id', { hasText: fromPage }).waitFor();

    const tasks = await Promise.all(
      [original, fromRow, fromPage].map(
        async (id) => (await suite.api('GET', `/tasks/${id}`)).body,
      ),
    );
    expect(new Set(tasks.map((task) => task.task_id)).size).toBe(3);
    for (const task of tasks) {
      expect(task).toMatchObject({
        name: 'rerun: weekly digest',
        type: 'simulate',
        input: { duration_seconds: 1.2, fail: true },
      });
    }
  });

  it('cancels the checked rows after one confirmation and tells the outcome per task', async () => {
    const finished = await createTask('bulk: finished', 1);
    await waitForStatus(finished, 'SUCCESS');
    const running = [
      await createTask('bulk: running 1', 600),
      await createTask('bulk: running 2', 600),
      await createTask('bulk: running 3', 600),
    ];
    const bystander = await createTask('bulk: not selected', 600);
    const page = await open();
    await row(page, bystander).waitFor();
    for (const name of ['bulk: finished', 'bulk: running 1', 'bulk: running 2', 'bulk: running 3'])
      await page.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
    await page.getByText('4 selected').waitFor();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Cancel selected', exact: true }).click();
    const outcome = page.locator('#bulk-outcome[aria-live="polite"]', {
      hasText: 'Cancel selected:',
    });
    await outcome.waitFor();
    expect(await outcome.textContent()).toBe(
      'Cancel selected: 3 cancelled, 1 already finished (409).',
    );
    expect(dialogs).toEqual(['Cancel 4 selected tasks?']);
    for (const taskId of running) {
      expect(await row(page, taskId).locator('.bulk-mark').textContent()).toBe('Cancelled');
      expect(await status(taskId)).toBe('CANCELLED');
    }
    expect(await row(page, finished).locator('.bulk-mark').textContent()).toBe(
      'Already finished (409)',
    );
    expect(await status(bystander)).toBe('RUNNING');
    // Cancelled ones leave the selection; the one that could not be cancelled stays checked.
    const checked = await page
      .locator('#task-list .select:checked')
      .evaluateAll((boxes) => boxes.map((box) => box.closest('li')?.dataset.taskId));
    expect(checked).toEqual([finished]);
  });

  it('selects every loaded row at once and deletes them after one confirmation', async () => {
    const ids = await createMany('select all', 3, 600);
    const page = await open('?search=select%20all');
    await waitFor(async () => ((await shownIds(page)).length === 3 ? true : undefined));
    await page.getByRole('checkbox', { name: 'Select all loaded tasks' }).check();
    await page.getByText('3 selected').waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete selected', exact: true }).click();
    await page.locator('#bulk-outcome', { hasText: 'Delete selected: 3 deleted.' }).waitFor();
    await page.locator('.empty', { hasText: 'No task matches' }).waitFor();
    for (const taskId of ids) expect((await suite.api('GET', `/tasks/${taskId}`)).status).toBe(404);
  });
});

describe('new controls on a phone and in the dark', () => {
  it('keeps the first task on the first phone screen and names new controls after the task', async () => {
    const taskId = await createTask('phone: nightly report', 60);
    const page = await open('', { width: 375, height: 740 });
    const first = page.locator('#task-list [data-task-id]').first();
    await row(page, taskId).waitFor();
    expect(await first.getAttribute('data-task-id')).toBe(taskId);
    const box = await first.boundingBox();
    expect((box?.y ?? 0) + (box?.height ?? 0), 'bottom of the first task').toBeLessThanOrEqual(740);
    const select = row(page, taskId).getByRole('checkbox', {
      name: 'Select phone: nightly report',
    });
    const selectBox = await select.boundingBox();
    expect(selectBox?.width).toBeGreaterThanOrEqual(16);
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 740 });
      await page.goto(`${suite.service?.url}/#/tasks/${taskId}`);
      await detail(page).locator('#detail-status', { hasText: 'RUNNING' }).waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `horizontal overflow of the task page at ${width} px`).toBe(0);
    }
  });

  it('shows the task page dark in a dark colour scheme', async () => {
    const taskId = await createTask('dark: task page', 60);
    const page = await open(`#/tasks/${taskId}`, { colorScheme: 'dark' });
    await detail(page).locator('#detail-status', { hasText: 'RUNNING' }).waitFor();
    const colours = await page.evaluate(() => ({
      page: getComputedStyle(document.documentElement).backgroundColor,
      panel: getComputedStyle(document.querySelector('#task-detail') as Element).backgroundColor,
      input: getComputedStyle(document.querySelector('#detail-input') as Element).color,
    }));
    expect(colours.page).toBe('rgb(15, 20, 28)');
    expect(colours.panel).toBe('rgb(24, 32, 44)');
    expect(colours.input).toBe('rgb(230, 234, 240)');
  });
});
