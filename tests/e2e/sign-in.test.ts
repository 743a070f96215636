import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  type LocalService,
  removeDataDir,
  startLocalService,
} from '../helpers/local-service.ts';
import { bearer, identityOf } from '../helpers/sign-in.ts';
import { launchChromium } from './browser.ts';

let service: LocalService | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  const [started, launched] = await Promise.allSettled([
    startLocalService({ env: { AUTH: 'local' } }),
    launchChromium(),
  ]);
  if (started.status === 'fulfilled') service = started.value;
  if (launched.status === 'fulfilled') browser = launched.value;
  if (started.status === 'rejected') throw started.reason;
  if (launched.status === 'rejected') throw launched.reason;
  // Someone else's task, which a new user must never see.
  const api = apiClient(started.value.url);
  const bob = await (await identityOf(started.value)).issueToken('bob');
  await api('POST', '/tasks', { name: 'bob private', input: { duration_seconds: 1 } }, bearer(bob));
}, 60_000);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (service) removeDataDir(service.dataDir);
});

/** A new user name each time, as a person trying the dashboard would type. */
const newUser = () => `carol-${Math.random().toString(36).slice(2, 8)}`;

/** Opens the dashboard at `path` and signs in as `user` on the local sign-in page. */
async function signIn(user: string, path = '/'): Promise<{ page: Page; authorizations: string[] }> {
  if (!browser || !service) throw new Error('The browser or the service did not start');
  context = await browser.newContext();
  const page = await context.newPage();
  const authorizations: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/tasks'))
      authorizations.push(request.headers().authorization ?? '');
  });
  await page.goto(`${service.url}${path}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Local sign-in' }).waitFor();
  await page.getByLabel(/User name/).fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#signed-in-as', { hasText: user }).waitFor();
  await page.locator('#sync', { hasText: 'Live' }).waitFor();
  return { page, authorizations };
}

describe('signing in to the dashboard', () => {
  it('shows only a Sign in control to nobody signed in', async () => {
    if (!browser || !service) throw new Error('not started');
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(service.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('#main').isHidden()).toBe(true);
    expect(await page.locator('#account').isHidden()).toBe(true);
  });

  it('signs a new user in, keeps the filter, creates a task with a token on every request, and signs out', async () => {
    const user = newUser();
    const { page, authorizations } = await signIn(user, '/?status=CANCELLED');
    expect(new URL(page.url()).searchParams.get('status')).toBe('CANCELLED');
    expect(await page.locator('#status-filter').inputValue()).toBe('CANCELLED');

    await page.locator('#status-filter').selectOption('');
    await page.getByLabel('Name').fill(`${user}'s report`);
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.locator('#task-list', { hasText: `${user}'s report` }).waitFor();
    expect(authorizations.length).toBeGreaterThan(0);
    for (const authorization of authorizations) expect(authorization).toMatch(/^Bearer ey/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signed-out').waitFor();
    expect(await page.locator('#account').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('tasks.tokens'))).toBeNull();
  });

  it('returns an expired session to sign-in with the page filter kept', async () => {
    const { page } = await signIn(newUser(), '/?status=SUCCESS');
    await page.evaluate(() => {
      const tokens = JSON.parse(sessionStorage.getItem('tasks.tokens') ?? '{}');
      sessionStorage.setItem(
        'tasks.tokens',
        JSON.stringify({ ...tokens, expiresAt: Date.now() - 1000, refresh: 'expired' }),
      );
    });
    await page.reload();
    await page.locator('#signed-out-reason', { hasText: 'session has expired' }).waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('SUCCESS');
  });

  it('refreshes the access token before it expires, without leaving the page', async () => {
    const { page } = await signIn(newUser());
    const before = await page.evaluate(() => sessionStorage.getItem('tasks.tokens'));
    await page.evaluate(() => {
      const tokens = JSON.parse(sessionStorage.getItem('tasks.tokens') ?? '{}');
      sessionStorage.setItem('tasks.tokens', JSON.stringify({ ...tokens, expiresAt: Date.now() }));
    });
    await page.reload();
    await page.locator('#sync', { hasText: 'Live' }).waitFor();
    const after = JSON.parse(
      (await page.evaluate(() => sessionStorage.getItem('tasks.tokens'))) ?? '{}',
    );
    expect(after.access).not.toBe(JSON.parse(before ?? '{}').access);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 30 * 60 * 1000);
    expect(await page.locator('#signed-out').isHidden()).toBe(true);
  });
});

// Awaits the owner-scoped data layer: until then every signed-in user sees every task.
describe('a new user sees only their own tasks', () => {
  it("does not show another user's task", async () => {
    const { page } = await signIn(newUser());
    // signIn() waited for the first list to arrive.
    expect(await page.locator('#task-list').textContent()).not.toContain('bob private');
    expect(await page.locator('#empty').textContent()).toBe('No tasks yet.');
  });
});
