// @vitest-environment jsdom
/**
 * A host's save over another tab's (src/conflicts.ts and HostBridge._save): the pure checks,
 * then the bridge with a fake contents manager: it never overwrites a file that changed on disk,
 * saves this tab's content next to it instead, and answers at once when the server is gone.
 */
import { Signal } from '@lumino/signaling';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/notebook', () => ({
  Notebook: class {},
  NotebookActions: { runAll: vi.fn() },
  NotebookPanel: class {}
}));
vi.mock('@lumino/widgets', () => ({ Widget: class {} }));

import { HostBridge, PROTOCOL } from '../src/bridge';
import { changedOnDisk, conflictCopyPath } from '../src/conflicts';

const HOST = 'http://host.test';

it.each([
  [{ hash: 'a' }, { hash: 'a' }, false],
  [{ hash: 'a' }, { hash: 'b' }, true],
  // Without hashes, only a file newer by more than Lab's 500 ms margin changed.
  [
    { last_modified: '2026-01-01T00:00:00.000Z' },
    { last_modified: '2026-01-01T00:00:00.400Z' },
    false
  ],
  [
    { last_modified: '2026-01-01T00:00:00.000Z' },
    { last_modified: '2026-01-01T00:00:02.000Z' },
    true
  ],
  [null, { hash: 'b' }, false],
  [{}, { hash: 'b' }, false]
])('changedOnDisk(%j, %j) is %s', (mine, disk, expected) => {
  expect(changedOnDisk(mine, disk)).toBe(expected);
});

it('the copy sits next to the original, named after it and the time', () => {
  const when = new Date(2026, 11, 5, 9, 3, 7);
  expect(conflictCopyPath('analyses/a.ipynb', when)).toBe(
    'analyses/a-conflict-20261205-090307.ipynb'
  );
  expect(conflictCopyPath('b.ipynb', when)).toBe('b-conflict-20261205-090307.ipynb');
});

/** A notebook context whose save records itself; its file was loaded with hash `h1`. */
class FakeContext {
  path = 'analyses/a.ipynb';
  ready = Promise.resolve();
  contentsModel = { hash: 'h1', last_modified: '2026-01-01T00:00:00Z' };
  saveState = new Signal<this, string>(this);
  model = {
    dirty: true,
    contentChanged: new Signal(this),
    stateChanged: new Signal(this),
    toJSON: () => ({ cells: [], mine: true })
  };
  saves = 0;

  async save(): Promise<void> {
    this.saves += 1;
    this.saveState.emit('started');
    this.saveState.emit('completed');
  }
}

let frame: HTMLIFrameElement;
let posted: ReturnType<typeof vi.fn>;
let bridge: HostBridge | null = null;

beforeEach(() => {
  frame = document.createElement('iframe');
  document.body.appendChild(frame);
  posted = vi.fn();
  frame.contentWindow!.postMessage = posted as unknown as Window['postMessage'];
});

afterEach(() => {
  bridge?.dispose();
  bridge = null;
  frame.remove();
});

function hostSave(contents: object): FakeContext {
  bridge = new HostBridge([HOST], frame.contentWindow!, null, contents as never);
  const context = new FakeContext();
  const panel = {
    context,
    isDisposed: false,
    sessionContext: { statusChanged: new Signal({}) },
    disposed: new Signal({})
  };
  bridge.watch(panel as never);
  bridge.active = panel as never;
  const request = { nblaunch: PROTOCOL, type: 'save', id: 's1' };
  window.dispatchEvent(
    new MessageEvent('message', { data: request, origin: HOST, source: frame.contentWindow })
  );
  return context;
}

async function reply(): Promise<Record<string, unknown>> {
  await vi.waitFor(() => expect(posted.mock.calls.some(([m]) => m.id === 's1')).toBe(true));
  return posted.mock.calls.map(([m]) => m).find(m => m.id === 's1');
}

it('an unchanged file is saved by Lab as before', async () => {
  const contents = { get: vi.fn(async () => ({ hash: 'h1' })), save: vi.fn() };
  const context = hostSave(contents);
  expect(await reply()).toMatchObject({ type: 'saved', path: 'analyses/a.ipynb', reason: 'user' });
  expect(context.saves).toBe(1);
  expect(contents.save).not.toHaveBeenCalled();
});

it('a file another tab saved is kept: this tab s content goes to a copy', async () => {
  const save = vi.fn(async (path: string, _options: object) => ({ path, last_modified: 'T9' }));
  const context = hostSave({ get: vi.fn(async () => ({ hash: 'h2' })), save });
  const answer = await reply();
  expect(answer).toMatchObject({
    type: 'saved',
    conflict: true,
    original: 'analyses/a.ipynb',
    reason: 'user'
  });
  expect(answer.path).toMatch(/^analyses\/a-conflict-\d{8}-\d{6}\.ipynb$/);
  expect(context.saves).toBe(0); // the original was not written
  expect(save.mock.calls[0][1]).toMatchObject({ type: 'notebook', content: { mine: true } });
});

it('a server that does not answer fails the save at once, with no dialog', async () => {
  const get = vi.fn(async () => {
    throw new Error('Failed to fetch');
  });
  const context = hostSave({ get, save: vi.fn() });
  const answer = await reply();
  expect(answer).toMatchObject({ type: 'save-failed', code: 'unreachable' });
  expect(String(answer.reason)).toContain('did not answer');
  expect(context.saves).toBe(0);
});

it('a file deleted meanwhile is no conflict: Lab writes it again', async () => {
  const get = vi.fn(async () => {
    throw Object.assign(new Error('Not Found'), { response: { status: 404 } });
  });
  const context = hostSave({ get, save: vi.fn() });
  expect(await reply()).toMatchObject({ type: 'saved', path: 'analyses/a.ipynb' });
  expect(context.saves).toBe(1);
});
