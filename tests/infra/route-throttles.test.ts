import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/catalog.ts';
import {
  ACCOUNT_THROTTLE,
  DEFAULT_ROUTE_THROTTLES,
  parseRouteThrottles,
} from '../../infra/route-throttles.ts';

describe('route throttles', () => {
  it('gives every route a throttle, all together inside the account limit', () => {
    expect(Object.keys(DEFAULT_ROUTE_THROTTLES).sort()).toEqual(
      ROUTES.map((route) => route.name).sort(),
    );
    const total = Object.values(DEFAULT_ROUTE_THROTTLES).reduce((sum, t) => sum + t.rateLimit, 0);
    expect(total).toBeLessThanOrEqual(ACCOUNT_THROTTLE.rateLimit);
  });

  it('keeps creates within the StartExecution bucket of 1,300 refilled at 300/s', () => {
    expect(DEFAULT_ROUTE_THROTTLES.CreateTask).toEqual({ rateLimit: 300, burstLimit: 1_000 });
  });

  it('replaces only the routes the context names, from an object or its JSON text', () => {
    const fromObject = parseRouteThrottles({ CreateTask: { rateLimit: 1000, burstLimit: 2000 } });
    expect(fromObject.CreateTask).toEqual({ rateLimit: 1000, burstLimit: 2000 });
    expect(fromObject.GetTaskStatus).toEqual(DEFAULT_ROUTE_THROTTLES.GetTaskStatus);
    expect(parseRouteThrottles('{"Health":{"rateLimit":2.5,"burstLimit":0}}').Health).toEqual({
      rateLimit: 2.5,
      burstLimit: 0,
    });
    expect(parseRouteThrottles(undefined)).toBe(DEFAULT_ROUTE_THROTTLES);
  });

  it.each([
    ['not JSON', 'CreateTask=5', /"apiRouteThrottles": expected a JSON object/],
    ['a list', [], /an object of route names/],
    ['an unknown route', { Create: { rateLimit: 1, burstLimit: 1 } }, /a route of CreateTask/],
    ['a rate of 0', { Health: { rateLimit: 0, burstLimit: 1 } }, /Health: .*got/],
    ['a rate above the account', { Health: { rateLimit: 10_001, burstLimit: 1 } }, /Health/],
    ['a fractional burst', { Health: { rateLimit: 1, burstLimit: 1.5 } }, /Health/],
    ['a burst above the account', { Health: { rateLimit: 1, burstLimit: 5_001 } }, /Health/],
    ['a rate given as text', { Health: { rateLimit: '5', burstLimit: 1 } }, /Health/],
    ['an unknown field', { Health: { rateLimit: 1, burstLimit: 1, rate: 2 } }, /Health/],
    ['no throttle', { Health: null }, /Health/],
  ])('refuses %s with a message naming the setting', (_, value, message) => {
    expect(() => parseRouteThrottles(value)).toThrow(message);
  });
});
