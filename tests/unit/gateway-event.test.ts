import { describe, expect, it } from 'vitest';
import { encodeBody } from '../../infra/local/http-event.ts';

describe('encodeBody', () => {
  it('leaves out an empty body', () => {
    expect(encodeBody(Buffer.alloc(0), 'application/json')).toEqual({ isBase64Encoded: false });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/problem+json',
    'text/plain',
    'text/csv',
    'application/xml',
  ])('passes a %s body as it is', (contentType) => {
    expect(encodeBody(Buffer.from('{"a":"é"}'), contentType)).toEqual({
      body: '{"a":"é"}',
      isBase64Encoded: false,
    });
  });

  it.each([
    'image/png',
    'application/octet-stream',
    'application/x-www-form-urlencoded',
    undefined,
  ])('base64-encodes a %s body', (contentType) => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    expect(encodeBody(bytes, contentType)).toEqual({
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('base64-encodes a text-typed body that is not UTF-8, keeping every byte', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(encodeBody(bytes, 'application/json')).toEqual({
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
  });
});
