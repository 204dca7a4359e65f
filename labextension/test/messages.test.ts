import { describe, expect, it } from 'vitest';

import { enqueue, readMessage } from '../src/messages';

const PROTOCOL = 1;

describe('readMessage', () => {
  it.each([
    { nblaunch: 1, type: 'ping' },
    { nblaunch: 1, type: 'save', id: 'r1' },
    { nblaunch: 1, type: 'run-all', id: 7, extra: [1, 2] },
    // Unknown types pass: the bridge answers them with an "error" reply.
    { nblaunch: 1, type: 'no-such-request', id: 'r2' }
  ])('reads %j', data => {
    expect(readMessage(data, PROTOCOL)).toBe(data);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', '{"nblaunch": 1, "type": "ping"}'],
    ['a number', 1],
    ['no version', { type: 'ping' }],
    ['another version', { nblaunch: 2, type: 'ping' }],
    ['the version as a string', { nblaunch: '1', type: 'ping' }],
    ['no type', { nblaunch: 1 }],
    ['a type that is no string', { nblaunch: 1, type: ['ping'] }],
    // Messages other scripts in the page post, e.g. webpack's or a devtools extension's.
    ['a foreign message', { source: 'react-devtools-bridge', payload: {} }]
  ])('ignores %s', (_, data) => {
    expect(readMessage(data, PROTOCOL)).toBeNull();
  });

  it('reads the version it is given', () => {
    expect(readMessage({ nblaunch: 2, type: 'ping' }, 2)).not.toBeNull();
    expect(readMessage({ nblaunch: 1, type: 'ping' }, 2)).toBeNull();
  });
});

describe('enqueue', () => {
  it('keeps everything up to the bound', () => {
    const queue: number[] = [];
    [1, 2, 3].forEach(n => enqueue(queue, n, 3));
    expect(queue).toEqual([1, 2, 3]);
  });

  it('drops the oldest beyond the bound', () => {
    const queue: number[] = [];
    for (let n = 1; n <= 60; n++) {
      enqueue(queue, n, 50);
    }
    expect(queue).toHaveLength(50);
    expect(queue[0]).toBe(11);
    expect(queue[49]).toBe(60);
  });
});
