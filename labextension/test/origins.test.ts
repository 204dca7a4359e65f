import { describe, expect, it } from 'vitest';

import { fromAllowedHost, initialTarget, parseOrigins } from '../src/origins';

describe('parseOrigins', () => {
  it.each([
    ['["https://app.example.org"]', ['https://app.example.org']],
    ['["http://a.test", "http://b.test:8090"]', ['http://a.test', 'http://b.test:8090']],
    // A wildcard would let any page that frames the server drive it: never allowed.
    ['["*", "http://a.test"]', ['http://a.test']],
    ['[1, null, {}, "http://a.test", ["http://b.test"]]', ['http://a.test']],
    ['', []],
    ['[]', []],
    // Not an array, or not JSON at all: nobody is allowed, and nothing throws.
    ['"http://a.test"', []],
    ['{"0": "http://a.test"}', []],
    ['null', []],
    ['http://a.test', []],
    ['["http://a.test"', []]
  ])('%j -> %j', (raw, expected) => {
    expect(parseOrigins(raw)).toEqual(expected);
  });

  it('treats a missing option (undefined at run time) as none', () => {
    expect(parseOrigins(undefined as unknown as string)).toEqual([]);
  });
});

describe('initialTarget', () => {
  it('is the origin when exactly one is allowed', () => {
    expect(initialTarget(['http://a.test'])).toBe('http://a.test');
  });

  it.each([[[]], [['http://a.test', 'http://b.test']]])(
    'is unknown with %j, until a host speaks',
    origins => {
      expect(initialTarget(origins)).toBeNull();
    }
  );
});

describe('fromAllowedHost', () => {
  const parent = { name: 'parent window' };
  const other = { name: 'another window' };
  const origins = ['http://a.test', 'http://b.test:8090'];

  it.each([
    ['the parent, from an allowed origin', parent, 'http://a.test', true],
    ['the parent, from the second allowed origin', parent, 'http://b.test:8090', true],
    ['the parent, from another origin', parent, 'http://evil.test', false],
    // Origins are exact: no prefix, no other port or scheme, no trailing slash.
    ['the parent, other port', parent, 'http://b.test', false],
    ['the parent, other scheme', parent, 'https://a.test', false],
    ['the parent, trailing slash', parent, 'http://a.test/', false],
    ['the parent, longer host', parent, 'http://a.test.evil.test', false],
    ['the parent, opaque origin', parent, 'null', false],
    ['another window, from an allowed origin', other, 'http://a.test', false],
    ['no source', null, 'http://a.test', false]
  ])('%s: %s', (_, source, origin, expected) => {
    expect(fromAllowedHost({ source, origin }, parent, origins)).toBe(expected);
  });

  it('accepts nobody when no origin is allowed', () => {
    expect(fromAllowedHost({ source: parent, origin: 'http://a.test' }, parent, [])).toBe(false);
  });
});
