// @vitest-environment jsdom
/**
 * The plugin's side of the bridge (src/bridge.ts) through its public API: which messages it
 * reads, and where its replies and events go. JupyterLab itself is not loaded: the notebook
 * package is replaced by a stub, and no notebook is open, so no request reaches a panel.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/notebook', () => ({
  Notebook: class {},
  NotebookActions: { runAll: vi.fn() },
  NotebookPanel: class {}
}));
vi.mock('@lumino/widgets', () => ({ Widget: class {} }));

import { HostBridge, PROTOCOL } from '../src/bridge';

const A = 'http://a.test';
const B = 'http://b.test:8090';

let frame: HTMLIFrameElement;
let parent: Window;
let posted: ReturnType<typeof vi.fn>;
let bridges: HostBridge[];

beforeEach(() => {
  // A real window object to stand for `window.parent`, so that `event.source` can name it.
  frame = document.createElement('iframe');
  document.body.appendChild(frame);
  parent = frame.contentWindow!;
  posted = vi.fn();
  parent.postMessage = posted as unknown as Window['postMessage'];
  bridges = [];
});

afterEach(() => {
  bridges.forEach(bridge => bridge.dispose());
  frame.remove();
});

function start(origins: string[]): HostBridge {
  const bridge = new HostBridge(origins, parent);
  bridges.push(bridge);
  return bridge;
}

/** A message event as the browser delivers it to the notebook's window. */
function deliver(data: unknown, origin: string, source: Window | null = parent): void {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
}

/** What the bridge posted: each message with its target origin. */
function sent(): { message: Record<string, unknown>; target: string }[] {
  return posted.mock.calls.map(([message, target]) => ({ message, target }));
}

const ping = (id: string | number = 'p1') => ({ nblaunch: PROTOCOL, type: 'ping', id });

describe('with one allowed origin', () => {
  it('sends events to it at once', () => {
    start([A]).send({ type: 'kernel', path: 'a.ipynb', status: 'idle' });
    expect(sent()).toEqual([
      {
        message: expect.objectContaining({ nblaunch: PROTOCOL, type: 'kernel', status: 'idle' }),
        target: A
      }
    ]);
  });

  it('answers a ping from the parent window', async () => {
    start([A]);
    deliver(ping('r1'), A);
    await vi.waitFor(() => expect(posted).toHaveBeenCalled());
    expect(sent()).toEqual([
      { message: expect.objectContaining({ type: 'pong', id: 'r1', path: null }), target: A }
    ]);
  });
});

describe('with several allowed origins', () => {
  it('queues events until a host speaks, then sends them and the reply to that host only', async () => {
    const bridge = start([A, B]);
    bridge.send({ type: 'dirty', path: 'a.ipynb', dirty: true });
    bridge.send({ type: 'kernel', path: 'a.ipynb', status: 'busy' });
    expect(posted).not.toHaveBeenCalled();
    deliver(ping(), B);
    await vi.waitFor(() => expect(sent()).toHaveLength(3));
    expect(sent().map(({ message, target }) => [message.type, target])).toEqual([
      ['dirty', B],
      ['kernel', B],
      ['pong', B]
    ]);
    // From then on, events go to that host without waiting.
    bridge.send({ type: 'kernel', path: 'a.ipynb', status: 'idle' });
    expect(sent()[3]).toEqual({ message: expect.objectContaining({ type: 'kernel' }), target: B });
  });

  it('sends the queue once: a host that speaks later gets its replies only', async () => {
    const bridge = start([A, B]);
    bridge.send({ type: 'dirty', path: 'a.ipynb', dirty: true });
    deliver(ping('from-b'), B);
    await vi.waitFor(() => expect(sent()).toHaveLength(2));
    deliver(ping('from-a'), A);
    await vi.waitFor(() => expect(sent()).toHaveLength(3));
    expect(sent()[2]).toEqual({
      message: expect.objectContaining({ type: 'pong', id: 'from-a' }),
      target: A
    });
  });

  it('keeps only the last 50 events for a host that never speaks', async () => {
    const bridge = start([A, B]);
    for (let n = 1; n <= 60; n++) {
      bridge.send({ type: 'kernel', path: 'a.ipynb', status: `s${n}` });
    }
    deliver(ping(), A);
    await vi.waitFor(() => expect(sent()).toHaveLength(51));
    expect(sent()[0].message.status).toBe('s11');
    expect(sent()[49].message.status).toBe('s60');
  });

  it('replies to the host that asked last', async () => {
    start([A, B]);
    deliver(ping('from-a'), A);
    deliver(ping('from-b'), B);
    await vi.waitFor(() => expect(sent()).toHaveLength(2));
    expect(sent().map(({ message, target }) => [message.id, target])).toEqual([
      ['from-a', A],
      ['from-b', B]
    ]);
  });
});

describe('messages it ignores, without a reply', () => {
  it.each([
    ['another origin', ping(), 'http://evil.test', 'parent'],
    ['an allowed origin with another port', ping(), 'http://b.test', 'parent'],
    ['an opaque origin', ping(), 'null', 'parent'],
    ['another window', ping(), A, 'self'],
    ['no window', ping(), A, 'none'],
    ['another protocol version', { ...ping(), nblaunch: PROTOCOL + 1 }, A, 'parent'],
    ['no type', { nblaunch: PROTOCOL, id: 'x' }, A, 'parent'],
    ['not an object', 'ping', A, 'parent'],
    ['null', null, A, 'parent']
  ] as const)('%s', async (_, data, origin, from) => {
    const bridge = start([A, B]);
    bridge.send({ type: 'kernel', path: 'a.ipynb', status: 'idle' });
    const source = { parent, self: window, none: null }[from];
    deliver(data, origin, source);
    // Give a wrongly accepted message the time to be answered.
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(posted).not.toHaveBeenCalled();
  });
});

describe('requests without an open notebook', () => {
  it.each([
    ['save', 'save-failed'],
    ['run-all', 'error'],
    ['no-such-request', 'error']
  ])('answers %s with %s, echoing the id', async (type, answer) => {
    start([A]);
    deliver({ nblaunch: PROTOCOL, type, id: 7 }, A);
    await vi.waitFor(() => expect(posted).toHaveBeenCalled());
    expect(sent()[0]).toEqual({
      message: expect.objectContaining({ type: answer, id: 7, reason: expect.any(String) }),
      target: A
    });
  });
});
