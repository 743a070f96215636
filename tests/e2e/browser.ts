import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  apiClient,
  type LocalService,
  removeDataDir,
  startLocalService,
} from '../helpers/local-service.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless; fails (never skips) when it is not installed. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What a dashboard test file works with; set by the hooks dashboardSuite registers. */
export interface DashboardSuite {
  service: LocalService | undefined;
  browser: Browser | undefined;
  /** The current test's browser context, closed after each test. */
  context: BrowserContext | undefined;
  api: ReturnType<typeof apiClient>;
}

/**
 * Registers a dashboard test file's hooks: local mode and Chromium start before its tests;
 * after each test its browser context closes and every task left running or waiting is
 * cancelled (long tasks would load the machine for the rest of the suite); after the file
 * both stop.
 */
export function dashboardSuite(): DashboardSuite {
  const suite: DashboardSuite = {
    service: undefined,
    browser: undefined,
    context: undefined,
    api: () => {
      throw new Error('The service did not start');
    },
  };
  beforeAll(async () => {
    const [started, launched] = await Promise.allSettled([startLocalService(), launchChromium()]);
    if (started.status === 'fulfilled') suite.service = started.value;
    if (launched.status === 'fulfilled') suite.browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    suite.api = apiClient(started.value.url);
  });
  afterEach(async () => {
    // Routes still fetching when the page goes would otherwise fail after the test.
    for (const page of suite.context?.pages() ?? []) {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
    await suite.context?.close();
    suite.context = undefined;
    for (const status of ['RUNNING', 'PENDING']) {
      const { body } = await suite.api('GET', `/tasks?status=${status}&limit=100`);
      for (const task of body ?? []) await suite.api('PATCH', `/tasks/${task.task_id}/status`);
    }
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.service?.stop();
    if (suite.service) removeDataDir(suite.service.dataDir);
  });
  return suite;
}

/**
 * A busy machine's answers to a create: 503 with Retry-After, or 409 while the first try
 * with the same Idempotency-Key is still being worked on (its lease lasts up to the create
 * function's 10 s timeout).
 */
const isBusy = (response: { status: number; body: { code?: string } }) =>
  response.status === 503 ||
  (response.status === 409 && response.body?.code === 'request_in_progress');

/**
 * Creates a simulated task as a careful client does: with an Idempotency-Key, retried after
 * each Retry-After for as long as a first try's lease may hold the key. Returns its id.
 */
export async function createSimulatedTask(
  suite: DashboardSuite,
  name: string | null,
  durationSeconds: number,
  fail = false,
): Promise<string> {
  const body = { name, type: 'simulate', input: { duration_seconds: durationSeconds, fail } };
  const key = { 'idempotency-key': crypto.randomUUID() };
  let response = await suite.api('POST', '/tasks', body, key);
  for (let retry = 0; isBusy(response) && retry < 12; retry++) {
    await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
    response = await suite.api('POST', '/tasks', body, key);
  }
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.task_id as string;
}
