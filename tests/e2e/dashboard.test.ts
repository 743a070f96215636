import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../infra/constructs/security-headers.ts';
import { waitFor } from '../helpers/local-service.ts';
import { createSimulatedTask, dashboardSuite } from './browser.ts';

const suite = dashboardSuite();

const isListRequest = (url: URL) => url.pathname === '/tasks';
const isTotalsRequest = (url: URL) => url.pathname === '/tasks/totals';

async function openDashboard(
  width = 1280,
  beforeLoad?: (page: Page) => Promise<unknown>,
  { height = 900, colorScheme = 'light' }: { height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<Page> {
  if (!suite.browser || !suite.service) throw new Error('The browser or the service did not start');
  suite.context = await suite.browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await suite.context.newPage();
  await beforeLoad?.(page);
  await page.goto(suite.service.url);
  await page.locator('#sync', { hasText: 'Live' }).waitFor();
  return page;
}

const createTask = (name: string | null, durationSeconds: number, fail = false) =>
  createSimulatedTask(suite, name, durationSeconds, fail);

const row = (page: Page, taskId: string) => page.locator(`[data-task-id="${taskId}"]`);
const badge = (page: Page, taskId: string, status: string) =>
  row(page, taskId).locator('.badge', { hasText: status });
const shownIds = (page: Page) =>
  page.locator('[data-task-id]').evaluateAll((rows) => rows.map((each) => each.dataset.taskId));

/** Fails, naming what has the focus instead, unless `locator` has it. */
async function expectFocused(locator: Locator) {
  const focused = await locator.page().evaluate(() => {
    const element = document.activeElement;
    return `<${element?.tagName.toLowerCase()}> ${element?.textContent?.trim().slice(0, 60)}`;
  });
  expect(await locator.evaluate((element) => element === document.activeElement), focused).toBe(
    true,
  );
}

/**
 * Makes the page record when it asks for a list, by its own clock: timing the requests as
 * the test process sees them would add the jitter of a busy machine to the gaps measured.
 */
async function recordListRequests(page: Page) {
  await page.addInitScript(() => {
    const starts: { at: number; url: string }[] = [];
    Object.assign(window, { listRequestStarts: starts });
    const fetchOfPage = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input), location.href);
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      if (method === 'GET' && url.pathname === '/tasks') {
        starts.push({ at: performance.now(), url: url.href });
      }
      return fetchOfPage(input, init);
    };
  });
}

async function listRequestsOf(page: Page): Promise<{ at: number; url: URL }[]> {
  const starts = await page.evaluate(
    () =>
      (window as unknown as { listRequestStarts: { at: number; url: string }[] }).listRequestStarts,
  );
  return starts.map((start) => ({ at: start.at, url: new URL(start.url) }));
}

/** The most of `times` (in ms) that fall in one sliding 1-second window. */
function busiestSecond(times: number[]): number {
  const within = (start: number) => times.filter((at) => at >= start && at < start + 1_000);
  return Math.max(0, ...times.map((start) => within(start).length));
}

/** The WCAG relative luminance of a computed `rgb(...)` colour: 0 for black, 1 for white. */
function luminance(colour: string): number {
  const [r = 0, g = 0, b = 0] = (colour.match(/[\d.]+/g) ?? []).map((channel) => {
    const value = Number(channel) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrast(first: string, second: string): number {
  const [lighter = 0, darker = 0] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (lighter + 0.05) / (darker + 0.05);
}

describe('dashboard', () => {
  it('creates a task from the form and shows it reach 100 % and SUCCESS', async () => {
    const page = await openDashboard();
    await page.getByLabel('Name', { exact: true }).fill('form task');
    const duration = page.getByLabel('Duration (seconds)');
    await duration.fill('1.5');
    expect(await duration.evaluate((input: HTMLInputElement) => input.checkValidity())).toBe(true);
    const created = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && isListRequest(new URL(response.url())),
    );
    await page.getByRole('button', { name: 'Create task', exact: true }).click();
    const response = await created;
    const task = await response.json();
    expect(response.status()).toBe(201);
    expect(task).toMatchObject({
      name: 'form task',
      input: { duration_seconds: 1.5, fail: false },
    });

    await badge(page, task.task_id, 'SUCCESS').waitFor({ timeout: 15_000 });
    const card = row(page, task.task_id);
    expect(await card.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(
      100,
    );
    expect(await card.locator('.percent').textContent()).toBe('100 %');
    expect(await card.locator('.task-outcome').textContent()).toContain('completed successfully');
  });

  it('cancels a running task', async () => {
    const taskId = await createTask('to cancel', 60);
    const page = await openDashboard();
    await badge(page, taskId, 'RUNNING').waitFor();
    await row(page, taskId).getByRole('button', { name: 'Cancel to cancel', exact: true }).click();
    await badge(page, taskId, 'CANCELLED').waitFor();
    const cancel = row(page, taskId).getByRole('button', { name: 'Cancel to cancel', exact: true });
    expect(await cancel.count()).toBe(0);
    expect((await suite.api('GET', `/tasks/${taskId}/status`)).body.status).toBe('CANCELLED');
  });

  it('filters by status on the server', async () => {
    const running = await createTask('still running', 60);
    const finished = await createTask('finished soon', 1);
    const page = await openDashboard();
    await badge(page, finished, 'SUCCESS').waitFor();
    const filtered = page.waitForRequest((request) => {
      const url = new URL(request.url());
      return isListRequest(url) && url.searchParams.get('status') === 'RUNNING';
    });
    await page.getByLabel('Status', { exact: true }).selectOption('RUNNING');
    await filtered;
    await badge(page, running, 'RUNNING').waitFor();
    await page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-task-id]'));
      return rows.length > 0 && rows.every((each) => each.dataset.status === 'RUNNING');
    });
    expect(await row(page, finished).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('status')).toBe('RUNNING');
  });

  it('deletes a task only after confirmation, and the API forgets it', async () => {
    const taskId = await createTask('to delete', 60);
    const page = await openDashboard();
    await row(page, taskId).waitFor();
    const deleteButton = row(page, taskId).getByRole('button', {
      name: 'Delete to delete',
      exact: true,
    });

    page.once('dialog', (dialog) => void dialog.dismiss());
    await deleteButton.click();
    await sleep(300);
    expect((await suite.api('GET', `/tasks/${taskId}/status`)).status).toBe(200);

    const messages: string[] = [];
    page.once('dialog', (dialog) => {
      messages.push(dialog.message());
      void dialog.accept();
    });
    await deleteButton.click();
    await row(page, taskId).waitFor({ state: 'detached' });
    expect(messages).toEqual([expect.stringContaining('to delete')]);
    expect((await suite.api('GET', `/tasks/${taskId}/status`)).status).toBe(404);
    await sleep(1_500);
    expect(await row(page, taskId).count()).toBe(0);
  });

  it('shows the tasks again after a reload, from the API', async () => {
    const taskId = await createTask('survives a reload', 60);
    const page = await openDashboard();
    await row(page, taskId).waitFor();
    await page.reload();
    await page.locator('#sync', { hasText: 'Live' }).waitFor();
    await row(page, taskId).waitFor();
    const listed = (await suite.api('GET', '/tasks?limit=20')).body as { task_id: string }[];
    expect(await shownIds(page)).toEqual(listed.map((task) => task.task_id));
  });

  it('shows a task created elsewhere without a reload', async () => {
    const page = await openDashboard();
    const taskId = await createTask('made with curl', 60);
    await row(page, taskId).waitFor({ timeout: 5_000 });
  });

  it('shows a hostile name as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const page = await openDashboard();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const taskId = await createTask(hostile, 1);
    await badge(page, taskId, 'SUCCESS').waitFor();
    expect(await row(page, taskId).locator('.task-name').textContent()).toBe(hostile);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("shows the API's error message when a task cannot be created", async () => {
    const page = await openDashboard();
    const error = 'The task could not be started; it was recorded as FAILURE';
    await page.route(isListRequest, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error, code: 'start_failed' }),
          })
        : route.fallback(),
    );
    await page.getByRole('button', { name: 'Create task', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: error }).waitFor();
  });

  it('shows "Reconnecting" during an outage and recovers by itself', async () => {
    const page = await openDashboard();
    const outage = (url: URL) => isListRequest(url);
    await page.route(outage, (route) => route.abort('connectionrefused'));
    const banner = page.getByRole('status').filter({ hasText: 'Reconnecting' });
    await banner.waitFor({ timeout: 5_000 });
    const taskId = await createTask('made during the outage', 60);
    await page.unroute(outage);
    await banner.waitFor({ state: 'hidden', timeout: 10_000 });
    await row(page, taskId).waitFor();
    expect(await page.locator('#sync').textContent()).toContain('Live');
  });

  it('retries at least every 5 s during an outage', async () => {
    const page = await openDashboard(1280, async (page) => {
      await page.clock.install();
      await page.clock.pauseAt(Date.now() + 1_000);
    });
    let attempts = 0;
    await page.route(isListRequest, (route) => {
      attempts += 1;
      return route.abort('connectionrefused');
    });
    const banner = page.getByRole('status');
    let wait = 1; // the poll interval, before the first failure
    for (const seconds of [1, 2, 4, 5, 5]) {
      const before = attempts;
      await page.clock.runFor(wait * 1_000);
      await waitFor(async () => (attempts > before ? true : undefined), 5_000, 20);
      await banner.filter({ hasText: `Next attempt in ${seconds} s.` }).waitFor({ timeout: 5_000 });
      wait = seconds;
    }
    await banner.getByRole('button', { name: 'Retry now' }).waitFor();
    await page.unroute(isListRequest);
    await page.clock.runFor(5_000);
    await page.locator('#sync', { hasText: 'Live' }).waitFor();
    expect(await banner.isHidden()).toBe(true);
  });

  it('keeps to one list request a second with 20 running tasks', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => createTask(`long task ${i + 1}`, 3_600)),
    );
    const page = await openDashboard();
    await page.locator('[data-task-id]').nth(19).waitFor();
    await sleep(1_000);
    const gets: { url: URL; etag: Promise<string | undefined> }[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') return;
      const etag = request.allHeaders().then((headers) => headers['if-none-match']);
      gets.push({ url: new URL(request.url()), etag });
    });
    const seconds = 5;
    await sleep(seconds * 1_000);
    const lists = gets.filter((get) => isListRequest(get.url));
    const totals = gets.filter((get) => isTotalsRequest(get.url));
    console.info(
      `GET requests with 20 running tasks in ${seconds} s: ${lists.length} list, ${totals.length} totals`,
    );
    expect(lists.length).toBeLessThanOrEqual(2 * seconds);
    expect(lists.length).toBeGreaterThanOrEqual(seconds - 1);
    // Totals come at most once per list refresh, and nothing asks per task.
    expect(totals.length).toBeLessThanOrEqual(lists.length);
    expect(lists.length + totals.length).toBe(gets.length);
    expect(await Promise.all(lists.map((get) => get.etag))).not.toContain(undefined);
  }, 60_000);

  it('treats 304 as no change', async () => {
    const page = await openDashboard();
    await page.getByLabel('Status', { exact: true }).selectOption('FAILURE');
    await page.locator('.empty', { hasText: 'No FAILURE tasks' }).waitFor();
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (isListRequest(new URL(response.url()))) statuses.push(response.status());
    });
    await sleep(2_500);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 304)).toBe(true);
    await page.locator('.empty', { hasText: 'No FAILURE tasks' }).waitFor();
  });

  it('loads older tasks with "Load more" and keeps them while refreshing', async () => {
    const missing = 21 - (await listAllIds()).length;
    for (let i = 0; i < missing; i++) await createTask(`older task ${i + 1}`, 1);
    const page = await openDashboard();
    await page.locator('[data-task-id]').nth(19).waitFor();
    expect(await page.locator('[data-task-id]').count()).toBe(20);
    await page.getByRole('button', { name: 'Load more', exact: true }).focus();
    await page.keyboard.press('Enter');
    const all = await listAllIds();
    expect(all.length).toBeGreaterThan(20);
    await waitFor(async () => ((await shownIds(page)).length === all.length ? true : undefined));
    expect(await shownIds(page)).toEqual(all);
    // The last page is in, so "Load more" is gone: the focus is on the first task it brought.
    await expectFocused(
      row(page, all[20] ?? '')
        .getByRole('button')
        .first(),
    );

    const newest = await createTask('after load more', 60);
    await row(page, newest).waitFor();
    await sleep(1_500);
    expect(await shownIds(page)).toEqual([newest, ...all]);
  });

  it('keeps to 2 list requests a second while the filter changes and "Load more" is clicked', async () => {
    const cancelled = await listAllIds('CANCELLED');
    const toCancel = Math.max(0, 21 - cancelled.length);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => createTask(`budget: running ${i + 1}`, 3_600)),
      ...Array.from({ length: toCancel }, async (_, i) => {
        const taskId = await createTask(`budget: cancelled ${i + 1}`, 3_600);
        await suite.api('PATCH', `/tasks/${taskId}/status`, { status: 'CANCELLED' });
      }),
    ]);
    const page = await openDashboard(1280, recordListRequests);
    await page.locator('[data-task-id]').nth(19).waitFor();
    const since = await page.evaluate(() => performance.now());

    const filter = page.getByLabel('Status', { exact: true });
    await filter.focus();
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('ArrowDown');
      await sleep(100);
    }
    expect(await filter.inputValue()).toBe('CANCELLED');
    const loadMore = page.locator('#load-more');
    await loadMore.scrollIntoViewIfNeeded();
    const box = await loadMore.boundingBox();
    if (!box) throw new Error('"Load more" has no box');
    // Two double clicks: four clicks while the page they ask for is not allowed yet.
    for (let i = 0; i < 2; i++)
      await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('[data-task-id]').nth(20).waitFor();
    await sleep(1_500);

    const gets = (await listRequestsOf(page)).filter((get) => get.at >= since);
    const times = gets.map((get) => get.at);
    const worst = busiestSecond(times);
    const closest = Math.min(...times.slice(1).map((at, i) => at - (times[i] ?? 0)));
    console.info(
      `List GETs: ${gets.length}, at most ${worst} in any second, ${Math.round(closest)} ms apart at least`,
    );
    expect(worst).toBeLessThanOrEqual(2);
    expect(gets.filter((get) => get.url.searchParams.has('cursor'))).toHaveLength(1);
    expect(gets.at(-1)?.url.searchParams.get('status')).toBe('CANCELLED');
    const all = await listAllIds('CANCELLED');
    const shown = await shownIds(page);
    expect(shown).toEqual(all.slice(0, Math.min(all.length, 40)));
    expect(new URL(page.url()).searchParams.get('status')).toBe('CANCELLED');
  });

  it('is usable with the keyboard and copies a task id', async () => {
    const page = await openDashboard();
    await suite.context?.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByLabel('Name', { exact: true }).focus();
    await page.keyboard.type('typed task');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('60');
    await page.keyboard.press('Enter');
    const card = page.locator('[data-task-id]', { hasText: 'typed task' });
    await card.waitFor();
    const taskId = await card.getAttribute('data-task-id');
    await card.getByRole('button', { name: 'Copy task id' }).focus();
    await page.keyboard.press('Enter');
    await card
      .getByRole('button', { name: 'Copy task id' })
      .filter({ hasText: 'Copied' })
      .waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(taskId);
  });

  it('keeps the keyboard focus after create, cancel and delete', async () => {
    const failed = await createTask('focus: the only failure', 1, true);
    const neighbour = await createTask('focus: neighbour', 60);
    const page = await openDashboard();
    await row(page, neighbour).waitFor();

    const posts: string[] = [];
    await page.route(isListRequest, async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      posts.push(route.request().url());
      await sleep(300);
      return route.fallback();
    });
    await page.getByLabel('Name', { exact: true }).fill('focus: created');
    await page.getByLabel('Duration (seconds)').fill('60');
    const createButton = page.locator('#create-form [type="submit"]');
    await createButton.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    expect(await createButton.getAttribute('aria-disabled')).toBe('true');
    await expectFocused(createButton);
    const card = page.locator('[data-task-id]', { hasText: 'focus: created' });
    await card.waitFor();
    await page.getByRole('button', { name: 'Create task', exact: true }).waitFor();
    await expectFocused(createButton);
    expect(posts).toHaveLength(1);
    const ring = await createButton.evaluate((button) => {
      const style = getComputedStyle(button);
      return { style: style.outlineStyle, colour: style.outlineColor };
    });
    expect(ring.style).toBe('solid');
    for (const background of ['rgb(255, 255, 255)', 'rgb(244, 246, 249)']) {
      const ratio = contrast(ring.colour, background);
      expect(ratio, `focus ring on ${background}`).toBeGreaterThanOrEqual(3);
    }

    await card.getByRole('button', { name: 'Cancel focus: created', exact: true }).focus();
    await page.keyboard.press('Space');
    await card.locator('.badge', { hasText: 'CANCELLED' }).waitFor();
    await expectFocused(card.getByRole('button', { name: 'Delete focus: created', exact: true }));

    page.on('dialog', (dialog) => void dialog.accept());
    await page.keyboard.press('Enter');
    await card.waitFor({ state: 'detached' });
    await expectFocused(row(page, neighbour).getByRole('button').first());

    await page.getByLabel('Status', { exact: true }).selectOption('FAILURE');
    await badge(page, failed, 'FAILURE').waitFor();
    await row(page, failed)
      .getByRole('button', { name: 'Delete focus: the only failure', exact: true })
      .focus();
    await page.keyboard.press('Enter');
    await page.locator('.empty', { hasText: 'No FAILURE tasks' }).waitFor();
    await expectFocused(page.getByRole('heading', { name: 'Task list' }));
  });

  it('runs under the content security policy CloudFront sends', async () => {
    if (!suite.browser || !suite.service)
      throw new Error('The browser or the service did not start');
    const taskId = await createTask('under the CSP', 60);
    suite.context = await suite.browser.newContext();
    const page = await suite.context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    await page.route(
      (url) => url.pathname === '/',
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({
          response,
          headers: { ...response.headers(), 'content-security-policy': CONTENT_SECURITY_POLICY },
        });
      },
    );
    await page.goto(suite.service.url);
    await page.locator('#sync', { hasText: 'Live' }).waitFor();
    await row(page, taskId).waitFor();
    const headerColour = await page
      .locator('.topbar')
      .evaluate((header) => getComputedStyle(header).backgroundColor);
    expect(headerColour).toBe('rgb(17, 26, 43)');
    expect(violations).toEqual([]);
  });

  it('fits a 375 px phone screen and a 1280 px screen without horizontal scrolling', async () => {
    await createTask('x'.repeat(200), 60);
    for (const width of [375, 1280]) {
      const page = await openDashboard(width);
      const card = page.locator('[data-task-id]').first();
      await card.waitFor();
      const copy = await card.getByRole('button', { name: 'Copy task id' }).boundingBox();
      expect(copy?.width, `Copy button width at ${width} px`).toBeGreaterThanOrEqual(24);
      expect(copy?.height, `Copy button height at ${width} px`).toBeGreaterThanOrEqual(24);
      const idTitle = await card.locator('.task-id code').getAttribute('title');
      expect(idTitle).toBe(await card.getAttribute('data-task-id'));
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `horizontal overflow at ${width} px`).toBe(0);
      await suite.context?.close();
      suite.context = undefined;
    }
  });
});

describe('dashboard presentation', () => {
  it('names each task control after its task, or after its id without a name', async () => {
    const named = await createTask('nightly report', 60);
    const unnamed = await createTask(null, 60);
    const page = await openDashboard();
    await row(page, unnamed).waitFor();
    for (const name of [
      'Cancel nightly report',
      'Delete nightly report',
      'Copy task id of nightly report',
    ]) {
      expect(await row(page, named).getByRole('button', { name, exact: true }).count(), name).toBe(
        1,
      );
    }
    const progress = row(page, named).getByRole('progressbar', {
      name: 'Progress of nightly report',
      exact: true,
    });
    expect(await progress.count()).toBe(1);
    const cancelUnnamed = row(page, unnamed).getByRole('button', {
      name: `Cancel ${unnamed}`,
      exact: true,
    });
    expect(await cancelUnnamed.count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
  });

  it('follows a dark colour scheme with dark backgrounds and readable text', async () => {
    const taskId = await createTask('in the dark', 60);
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await openDashboard(1280, undefined, { colorScheme });
      await row(page, taskId).waitFor();
      const colours = await page.evaluate(() => {
        const of = (selector: string) => {
          const element = document.querySelector(selector);
          if (!element) throw new Error(`No ${selector}`);
          return getComputedStyle(element);
        };
        return {
          page: of('html').backgroundColor,
          panel: of('.create').backgroundColor,
          card: of('.task').backgroundColor,
          name: of('.task-name').color,
          muted: of('.task-meta dt').color,
          focus: of('.task button').getPropertyValue('--focus').trim(),
        };
      });
      const dark = colorScheme === 'dark';
      for (const part of ['page', 'panel', 'card'] as const) {
        const lightness = luminance(colours[part]);
        if (dark) expect(lightness, `${part} background in dark mode`).toBeLessThan(0.05);
        else expect(lightness, `${part} background in light mode`).toBeGreaterThan(0.8);
      }
      expect(contrast(colours.name, colours.card), 'task name').toBeGreaterThanOrEqual(4.5);
      expect(contrast(colours.muted, colours.card), 'labels').toBeGreaterThanOrEqual(4.5);
      const ring = await page
        .locator('.task button')
        .first()
        .evaluate((button) => {
          (button as HTMLButtonElement).focus();
          return getComputedStyle(button).outlineColor;
        });
      for (const background of [colours.page, colours.card]) {
        expect(contrast(ring, background), `focus ring, ${colorScheme}`).toBeGreaterThanOrEqual(3);
      }
      await suite.context?.close();
      suite.context = undefined;
    }
  });

  it('shows the first task within the first screen of a 375 × 740 phone', async () => {
    const taskId = await createTask('first on the phone', 60);
    const page = await openDashboard(375, undefined, { height: 740 });
    const first = page.locator('[data-task-id]').first();
    await row(page, taskId).waitFor();
    expect(await first.getAttribute('data-task-id')).toBe(taskId);
    const box = await first.boundingBox();
    if (!box) throw new Error('The first task has no box');
    expect(box.y + box.height, 'bottom of the first task').toBeLessThanOrEqual(740);
    const form = page.getByLabel('Name', { exact: true });
    const formBox = await form.boundingBox();
    expect(formBox?.y, 'the form comes after the list').toBeGreaterThan(box.y);
    await page.getByRole('link', { name: 'New task' }).click();
    await waitFor(async () => {
      const top = (await form.boundingBox())?.y ?? -1;
      return top >= 0 && top < 740 ? true : undefined;
    });
  });

  it('rounds a progress with floating-point noise for display', async () => {
    const taskId = await createTask('noisy progress', 60);
    const page = await openDashboard(1280, (page) =>
      page.route(isListRequest, async (route) => {
        if (route.request().method() !== 'GET') return route.fallback();
        const response = await route.fetch();
        if (response.status() !== 200) return route.fulfill({ response });
        const tasks = (await response.json()) as { task_id: string; progress: number }[];
        for (const task of tasks) if (task.task_id === taskId) task.progress = 27.500000000000004;
        const { 'content-length': _, 'content-encoding': __, ...headers } = response.headers();
        return route.fulfill({ response, headers, body: JSON.stringify(tasks) });
      }),
    );
    const card = row(page, taskId);
    await card.waitFor();
    expect(await card.locator('.percent').textContent()).toBe('27 %');
    expect(await card.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(
      27.5,
    );
  });

  it('dims and freezes the shown tasks while offline, counting down to the next attempt', async () => {
    const taskId = await createTask('frozen while offline', 3_600);
    const page = await openDashboard(1280, async (page) => {
      await page.clock.install();
      await page.clock.pauseAt(Date.now() + 1_000);
    });
    const card = row(page, taskId);
    await badge(page, taskId, 'RUNNING').waitFor();
    const opacity = () => card.evaluate((element) => getComputedStyle(element).opacity);
    const duration = () => card.locator('.duration').textContent();
    expect(await opacity()).toBe('1');

    await page.route(isListRequest, (route) => route.abort('connectionrefused'));
    const banner = page.getByRole('status');
    // Failures after 1 s, 1 s and 2 s; the third leaves 4 s to wait.
    for (const [wait, seconds] of [
      [1, 1],
      [1, 2],
      [2, 4],
    ] as const) {
      await page.clock.runFor(wait * 1_000);
      await banner.filter({ hasText: `Next attempt in ${seconds} s.` }).waitFor();
    }
    const frozen = await duration();
    expect(Number(await opacity())).toBeLessThan(1);
    for (const seconds of [3, 2, 1]) {
      await page.clock.runFor(1_000);
      await banner.filter({ hasText: `Next attempt in ${seconds} s.` }).waitFor();
      expect(await duration()).toBe(frozen);
    }

    await page.unroute(isListRequest);
    await page.clock.runFor(5_000);
    await page.locator('#sync', { hasText: 'Live' }).waitFor();
    await page.clock.runFor(500);
    expect(await opacity()).toBe('1');
    expect(await duration()).not.toBe(frozen);
  });
});

async function listAllIds(status?: string): Promise<string[]> {
  const ids: string[] = [];
  let path: string | undefined = `/tasks?limit=100${status ? `&status=${status}` : ''}`;
  while (path) {
    const page = await suite.api('GET', path);
    ids.push(...(page.body as { task_id: string }[]).map((task) => task.task_id));
    path = /<([^>]*)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
  }
  return ids;
}
