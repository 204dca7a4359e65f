// @vitest-environment jsdom
/**
 * nblaunch-embed.js, the host page's side of the bridge, driven through its public API in jsdom:
 * the notebook's side is played by this test, posting message events as the frame would.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { embed, prestart, PROTOCOL } from '../../nblaunch/client/static/nblaunch-embed.js';

const ORIGIN = 'http://127.0.0.1:18000';
const SRC = `${ORIGIN}/user/ada/nblaunch/open/stats.ipynb?image_id=7`;

type Handle = ReturnType<typeof embed>;

let element: HTMLElement;
let handles: Handle[];

beforeEach(() => {
  vi.useFakeTimers();
  element = document.createElement('div');
  document.body.appendChild(element);
  handles = [];
});

afterEach(() => {
  handles.forEach(nb => nb.destroy());
  element.remove();
  vi.useRealTimers();
});

/** Embed, and record what the handle posts to its frame. */
function open(options: Record<string, unknown> = {}) {
  const nb = embed(element, { src: SRC, ...options });
  handles.push(nb);
  const frame = nb.iframe.contentWindow!;
  const posted = vi.spyOn(frame, 'postMessage').mockImplementation(() => undefined);
  return { nb, frame, posted };
}

/** A message event as the browser delivers it: from `source`, sent by a page of `origin`. */
function deliver(
  data: unknown,
  { source, origin = ORIGIN }: { source: Window | null; origin?: string }
): void {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
}

/** The requests the handle posted, with the target origin of each. */
function requests(posted: ReturnType<typeof open>['posted']) {
  return posted.mock.calls.map(([message, target]) => ({ message, target }));
}

describe('embed', () => {
  it('needs an element and a src', () => {
    expect(() => embed(null as unknown as HTMLElement, { src: SRC })).toThrow(/needs an element/);
    expect(() => embed(element, {} as { src: string })).toThrow(/src URL/);
  });

  it.each(['*', 'null'])('refuses the origin %j', origin => {
    expect(() => embed(element, { src: SRC, origin })).toThrow(/exact origin/);
  });

  it("takes the origin from src, relative to the host page's URL", () => {
    const { nb } = open();
    expect(nb.origin).toBe(ORIGIN);
    const relative = embed(element, { src: '/user/ada/lab' });
    handles.push(relative);
    expect(relative.origin).toBe(window.location.origin);
  });

  it.each([
    ['https://Hub.Example.org:443/', 'https://hub.example.org'],
    ['http://hub.example.org:80', 'http://hub.example.org'],
    ['https://hub.example.org:8443', 'https://hub.example.org:8443'],
    ['https://bücher.example', 'https://xn--bcher-kva.example']
  ])('writes the origin %j as browsers report it: %j', (given, expected) => {
    const { nb } = open({ origin: given });
    expect(nb.origin).toBe(expected);
  });

  it('shows the frame in the element', () => {
    const { nb } = open({ title: 'Image statistics' });
    expect(nb.iframe.parentElement).toBe(element);
    expect(nb.iframe.src).toBe(SRC);
    expect(nb.iframe.title).toBe('Image statistics');
    expect(nb.isReady).toBe(false);
  });
});

describe('messages from the frame', () => {
  it('becomes ready on "ready" from its own frame and origin', async () => {
    const { nb, frame } = open();
    const onReady = vi.fn();
    nb.on('ready', onReady);
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: frame });
    await expect(nb.ready).resolves.toEqual({ path: 'a.ipynb' });
    expect(nb.isReady).toBe(true);
    expect(nb.path).toBe('a.ipynb');
    expect(onReady).toHaveBeenCalledWith({ path: 'a.ipynb' });
  });

  it.each([
    ['another origin', 'frame', 'http://evil.test'],
    ['a longer host', 'frame', `${ORIGIN}.evil.test`],
    ['another window', 'top', ORIGIN],
    ['no source', 'none', ORIGIN]
  ] as const)('ignores a message from %s', (_, from, origin) => {
    const { nb, frame } = open();
    const source = { frame, top: window, none: null }[from];
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source, origin });
    expect(nb.isReady).toBe(false);
  });

  it.each([
    ['null', null],
    ['a string', 'ready'],
    ['another protocol version', { nblaunch: PROTOCOL + 1, type: 'ready', path: 'a.ipynb' }],
    ['no type', { nblaunch: PROTOCOL, path: 'a.ipynb' }],
    ['an unknown type', { nblaunch: PROTOCOL, type: 'readyish', path: 'a.ipynb' }]
  ])('ignores %s', (_, data) => {
    const { nb, frame } = open();
    deliver(data, { source: frame });
    expect(nb.isReady).toBe(false);
  });

  it('becomes ready on a pong that names a notebook, not on one without', () => {
    const { nb, frame } = open();
    deliver({ nblaunch: PROTOCOL, type: 'pong', path: null }, { source: frame });
    expect(nb.isReady).toBe(false);
    deliver({ nblaunch: PROTOCOL, type: 'pong', path: 'b.ipynb' }, { source: frame });
    expect(nb.isReady).toBe(true);
    expect(nb.path).toBe('b.ipynb');
  });

  it('announces another notebook once, and the same one not again', () => {
    const { nb, frame } = open();
    const onReady = vi.fn();
    nb.on('ready', onReady);
    for (const path of ['a.ipynb', 'a.ipynb', 'b.ipynb', 'b.ipynb']) {
      deliver({ nblaunch: PROTOCOL, type: 'ready', path }, { source: frame });
    }
    expect(onReady.mock.calls).toEqual([[{ path: 'a.ipynb' }], [{ path: 'b.ipynb' }]]);
  });

  it('passes events on to their listeners, and stops after unsubscribing', () => {
    const { nb, frame } = open();
    const onDirty = vi.fn();
    const onKernel = vi.fn();
    const onSaved = vi.fn();
    const stop = nb.on('dirty', onDirty);
    nb.on('kernel', onKernel);
    nb.on('saved', onSaved);
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: frame });
    deliver({ nblaunch: PROTOCOL, type: 'dirty', dirty: 1 }, { source: frame });
    deliver({ nblaunch: PROTOCOL, type: 'kernel', status: 'busy' }, { source: frame });
    deliver(
      { nblaunch: PROTOCOL, type: 'saved', path: 'a.ipynb', last_modified: '2026-12-05' },
      { source: frame }
    );
    stop();
    deliver({ nblaunch: PROTOCOL, type: 'dirty', dirty: false }, { source: frame });
    expect(onDirty.mock.calls).toEqual([[{ path: 'a.ipynb', dirty: true }]]);
    expect(onKernel).toHaveBeenCalledWith({ path: 'a.ipynb', status: 'busy' });
    expect(onSaved).toHaveBeenCalledWith(
      expect.objectContaining({ path: 'a.ipynb', last_modified: '2026-12-05' })
    );
  });

  it('keeps calling the other listeners when one throws', () => {
    const { nb, frame } = open();
    const second = vi.fn();
    nb.on('ready', () => {
      throw new Error('a broken listener');
    });
    nb.on('ready', second);
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: frame });
    expect(second).toHaveBeenCalled();
    // The error is rethrown from a timer, where the page's error reporting sees it.
    expect(() => vi.runOnlyPendingTimers()).toThrow('a broken listener');
  });

  it('refuses to listen to an unknown event', () => {
    const { nb } = open();
    expect(() => nb.on('saveed', () => undefined)).toThrow(/unknown event saveed/);
  });
});

describe('requests to the frame', () => {
  function ready() {
    const opened = open();
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: opened.frame });
    opened.posted.mockClear();
    return opened;
  }

  it('pings until the notebook is ready, only ever to its origin', () => {
    const { frame, posted } = open({ pingInterval: 1000 });
    vi.advanceTimersByTime(3000);
    expect(requests(posted)).toEqual(
      Array(3).fill({ message: { nblaunch: PROTOCOL, type: 'ping' }, target: ORIGIN })
    );
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: frame });
    posted.mockClear();
    vi.advanceTimersByTime(3000);
    expect(posted).not.toHaveBeenCalled();
  });

  it('saves: posts a request with an id, resolves on "saved" with that id', async () => {
    const { nb, frame, posted } = ready();
    const onSaved = vi.fn();
    nb.on('saved', onSaved);
    const saving = nb.save();
    const [{ message, target }] = requests(posted);
    expect(target).toBe(ORIGIN);
    expect(message).toMatchObject({ nblaunch: PROTOCOL, type: 'save', id: expect.any(String) });
    const id = (message as { id: string }).id;
    deliver(
      { nblaunch: PROTOCOL, type: 'saved', id, path: 'a.ipynb', last_modified: 'T1' },
      { source: frame }
    );
    await expect(saving).resolves.toMatchObject({ path: 'a.ipynb', last_modified: 'T1' });
    // The reply settles the request; the "saved" event comes from the announcement without id.
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('gives each request its own id', () => {
    const { nb, posted } = ready();
    void nb.save().catch(() => undefined);
    void nb.save().catch(() => undefined);
    const [first, second] = requests(posted).map(r => (r.message as { id: string }).id);
    expect(first).not.toBe(second);
  });

  it('rejects a save on "save-failed", with the reason', async () => {
    const { nb, frame, posted } = ready();
    const saving = nb.save();
    const { id } = requests(posted)[0].message as { id: string };
    deliver(
      { nblaunch: PROTOCOL, type: 'save-failed', id, reason: 'Disk full.' },
      { source: frame }
    );
    await expect(saving).rejects.toMatchObject({
      name: 'NBLaunchError',
      code: 'save-failed',
      reason: 'Disk full.'
    });
  });

  it('rejects a save that is not confirmed in time', async () => {
    const { nb } = ready();
    const saving = nb.save();
    vi.advanceTimersByTime(20000);
    await expect(saving).rejects.toMatchObject({ code: 'timeout' });
  });

  it('ignores a reply from another origin', async () => {
    const { nb, frame, posted } = ready();
    const saving = nb.save();
    const { id } = requests(posted)[0].message as { id: string };
    const reply = { nblaunch: PROTOCOL, type: 'saved', id, path: 'a.ipynb', last_modified: 'T' };
    deliver(reply, { source: frame, origin: 'http://evil.test' });
    vi.advanceTimersByTime(20000);
    await expect(saving).rejects.toMatchObject({ code: 'timeout' });
  });

  it('refuses to save or run before the notebook is ready', async () => {
    const { nb, posted } = open();
    await expect(nb.save()).rejects.toMatchObject({ code: 'not-ready' });
    await expect(nb.runAll()).rejects.toMatchObject({ code: 'not-ready' });
    expect(requests(posted).map(r => (r.message as { type: string }).type)).not.toContain('save');
  });

  it('runs all cells and resolves with ok, without a timeout', async () => {
    const { nb, frame, posted } = ready();
    const running = nb.runAll();
    const { message } = requests(posted)[0];
    expect(message).toMatchObject({ type: 'run-all' });
    vi.advanceTimersByTime(10 * 60 * 1000);
    const { id } = message as { id: string };
    deliver({ nblaunch: PROTOCOL, type: 'ran', id, path: 'a.ipynb', ok: 1 }, { source: frame });
    await expect(running).resolves.toEqual({ ok: true });
  });

  it('rejects a request the notebook answers with "error"', async () => {
    const { nb, frame, posted } = ready();
    const running = nb.runAll();
    const { id } = requests(posted)[0].message as { id: string };
    deliver(
      { nblaunch: PROTOCOL, type: 'error', id, reason: 'No notebook is open.' },
      { source: frame }
    );
    await expect(running).rejects.toMatchObject({ code: 'error', reason: 'No notebook is open.' });
  });

  it('reports an error or a failed save that answers no request as an "error" event', () => {
    const { nb, frame } = ready();
    const onError = vi.fn();
    nb.on('error', onError);
    deliver({ nblaunch: PROTOCOL, type: 'save-failed', reason: 'Disk full.' }, { source: frame });
    deliver({ nblaunch: PROTOCOL, type: 'error', id: 'unknown' }, { source: frame });
    expect(onError.mock.calls).toEqual([
      [{ type: 'save-failed', reason: 'Disk full.' }],
      [{ type: 'error', reason: 'The notebook reported an error.' }]
    ]);
  });
});

describe('when the notebook does not load', () => {
  it('shows the fallback link and says why', () => {
    const { nb } = open({ readyTimeout: 5000, fallbackHref: '/launch/fresh' });
    const onError = vi.fn();
    nb.on('error', onError);
    vi.advanceTimersByTime(5000);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ type: 'timeout' }));
    expect(nb.iframe.style.display).toBe('none');
    const link = element.querySelector<HTMLAnchorElement>('.nblaunch-fallback a')!;
    expect(link.getAttribute('href')).toBe('/launch/fresh');
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener');
  });

  it('shows the notebook instead if it arrives late', () => {
    const { nb, frame } = open({ readyTimeout: 5000 });
    vi.advanceTimersByTime(5000);
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: frame });
    expect(element.querySelector('.nblaunch-fallback')).toBeNull();
    expect(nb.iframe.style.display).toBe('block');
  });
});

describe('destroy', () => {
  it('removes the frame, rejects what is pending and hears nothing more', async () => {
    const opened = open();
    const { nb, frame } = opened;
    deliver({ nblaunch: PROTOCOL, type: 'ready', path: 'a.ipynb' }, { source: frame });
    const saving = nb.save();
    const onDirty = vi.fn();
    nb.on('dirty', onDirty);
    nb.destroy();
    await expect(saving).rejects.toMatchObject({ code: 'destroyed' });
    expect(element.querySelector('iframe')).toBeNull();
    deliver({ nblaunch: PROTOCOL, type: 'dirty', dirty: true }, { source: frame });
    expect(onDirty).not.toHaveBeenCalled();
    await expect(nb.save()).rejects.toMatchObject({ code: 'destroyed' });
    nb.destroy();
  });
});

describe('prestart', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    [{ ok: true, json: async () => ({ status: 'starting' }) }, 'starting'],
    [{ ok: true, json: async () => ({ status: 'ready' }) }, 'ready'],
    [{ ok: false, json: async () => ({}) }, 'failed'],
    [{ ok: true, json: async () => ({ status: 'odd' }) }, 'failed']
  ])('POSTs to the host and says what it answered', async (answer, status) => {
    const fetch = vi.fn(async () => answer);
    vi.stubGlobal('fetch', fetch);
    expect(await prestart('/items/1/prestart', { headers: { 'X-CSRF-Token': 't' } })).toBe(status);
    expect(fetch).toHaveBeenCalledWith('/items/1/prestart', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': 't' }
    });
  });

  it('never throws', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('offline');
      })
    );
    expect(await prestart('/x')).toBe('failed');
  });
});
