import { describe, expect, it } from 'vitest';
import {
  allowedHostNames,
  checkBodyType,
  checkHost,
  checkOrigin,
  isJsonMediaType,
} from '../../infra/local/request-guard.ts';

describe('allowedHostNames', () => {
  it.each([
    ['skips a wildcard listen address, which no client sends as Host', '0.0.0.0', []],
    ['skips a wildcard listen address, which no client sends as Host', '::', []],
    ['skips a wildcard listen address, which no client sends as Host', '[::]', []],
    ['allows the HOST name local mode listens on, in lower case', 'Tasks-App', ['tasks-app']],
    ['brackets a bare IPv6 HOST as Host headers write it', 'fd00::5', ['[fd00::5]']],
  ])('%s: HOST=%s', (_, host, names) => {
    expect([...allowedHostNames(host)]).toEqual(names);
  });

  it('takes ALLOWED_HOSTS entries with ports and spaces, skipping blank ones', () => {
    const names = allowedHostNames('0.0.0.0', [' box.lan:3000', '', 'Other.Example ']);
    expect([...names]).toEqual(['box.lan', 'other.example']);
  });

  it.each(['http://box.lan', 'box.lan/x', 'user@box.lan', 'box lan'])(
    'throws on an entry that is not a host name: %s',
    (entry) => {
      expect(() => allowedHostNames('127.0.0.1', [entry])).toThrow(/Not a host name/);
    },
  );
});

describe('checkHost', () => {
  const allowed = allowedHostNames('0.0.0.0', ['box.lan']);

  it.each([
    'localhost',
    'localhost:3000',
    'LOCALHOST:3000',
    '127.0.0.1:3000',
    '[::1]:3000',
    'app.localhost:3000',
    'box.lan:8080',
  ])('passes %s', (host) => {
    expect(checkHost(host, allowed)).toBeUndefined();
  });

  it.each([
    'attacker.example',
    'attacker.example:3000',
    'localhost.attacker.example',
    '192.168.1.10:3000',
    'localhost.',
  ])('refuses %s with 421 host_not_allowed', (host) => {
    expect(checkHost(host, allowed)).toMatchObject({ status: 421, code: 'host_not_allowed' });
  });

  it('refuses a missing Host with 400 missing_host', () => {
    expect(checkHost(undefined, allowed)).toMatchObject({ status: 400, code: 'missing_host' });
    expect(checkHost('', allowed)).toMatchObject({ status: 400, code: 'missing_host' });
  });

  it.each(['localhost:99999', 'local host', 'a@localhost', 'localhost/x'])(
    'refuses a malformed Host %s with 400 bad_host',
    (host) => {
      expect(checkHost(host, allowed)).toMatchObject({ status: 400, code: 'bad_host' });
    },
  );
});

describe('checkOrigin', () => {
  it('passes a request without Origin', () => {
    expect(checkOrigin(undefined, 'localhost:3000')).toBeUndefined();
  });

  it.each([
    ['http://localhost:3000', 'localhost:3000'],
    ['http://LocalHost:3000', 'localhost:3000'],
    ['http://localhost', 'localhost:80'],
    ['http://[::1]:3000', '[::1]:3000'],
  ])('passes the same origin %s on Host %s', (origin, host) => {
    expect(checkOrigin(origin, host)).toBeUndefined();
  });

  it.each([
    ['http://attacker.example', 'localhost:3000'],
    ['http://localhost:3001', 'localhost:3000'],
    ['https://localhost:3000', 'localhost:3000'],
    ['http://127.0.0.1:3000', 'localhost:3000'],
    ['null', 'localhost:3000'],
    ['garbage', 'localhost:3000'],
  ])('refuses %s on Host %s with 403 cross_origin_refused', (origin, host) => {
    expect(checkOrigin(origin, host)).toMatchObject({ status: 403, code: 'cross_origin_refused' });
  });
});

describe('checkBodyType', () => {
  it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded'])(
    'passes a request with no body whatever its Content-Type (%s)',
    (contentType) => {
      expect(checkBodyType(contentType, 0)).toBeUndefined();
    },
  );

  it.each([
    undefined,
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/jsonp',
  ])('refuses a body with Content-Type %s with 415', (contentType) => {
    expect(checkBodyType(contentType, 2)).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
  });

  it.each(['application/json', 'Application/JSON; charset=UTF-8', 'application/merge-patch+json'])(
    'passes a body with Content-Type %s',
    (contentType) => {
      expect(isJsonMediaType(contentType)).toBe(true);
      expect(checkBodyType(contentType, 2)).toBeUndefined();
    },
  );
});
