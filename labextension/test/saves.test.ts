// @vitest-environment jsdom
/**
 * Why each save happened (src/saves.ts), as the bridge's `saved` event tells the host: through
 * HostBridge's public API, with a notebook panel made of real Lumino signals and a context whose
 * `save()` behaves like JupyterLab's (it awaits `ready`, then emits `started` and `completed`).
 */
import { Signal } from '@lumino/signaling';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

/** NotebookActions.selectionExecuted: a run of cells ended. */
const runEnded = vi.hoisted(() => ({ signal: null as unknown as Signal<unknown, unknown> }));

vi.mock('@jupyterlab/notebook', async () => {
  const { Signal } = await import('@lumino/signaling');
  runEnded.signal = new Signal<unknown, unknown>({});
  return {
    Notebook: class {},
    NotebookActions: { runAll: vi.fn(), selectionExecuted: runEnded.signal },
    NotebookPanel: class {}
  };
});
vi.mock('@lumino/widgets', () => ({ Widget: class {} }));

import { HostBridge, PROTOCOL, VERSION } from '../src/bridge';

const HOST = 'http://host.test';

/** The parts of a DocumentContext the bridge uses; `save()` as JupyterLab's does it. */
class FakeContext {
  path = 'nblaunch/a.ipynb';
  ready = Promise.resolve();
  contentsModel = { last_modified: 'T0' };
  saveState = new Signal<this, string>(this);
  model = { dirty: false, contentChanged: new Signal(this), stateChanged: new Signal(this) };
  saves = 0;

  async save(): Promise<void> {
    await this.ready;
    this.saveState.emit('started');
    await new Promise(resolve => setTimeout(resolve, 5)); // the PUT to the server
    this.contentsModel = { last_modified: `T${++this.saves}` };
    this.saveState.emit('completed');
  }
}

function fakePanel(): { context: FakeContext } {
  const panel = {
    context: new FakeContext(),
    isDisposed: false,
    sessionContext: { statusChanged: new Signal({}) },
    disposed: new Signal({})
  };
  return panel;
}

/** Lab's command registry, as far as the bridge listens to it. */
const registry = {
  commandExecuted: new Signal<unknown, { id: string; result: Promise<unknown> }>({})
};

/** What launch.ts's autorun does: the run of all cells ends, then it saves the outputs. */
function autorun(context: FakeContext): Promise<void> {
  runEnded.signal.emit({ notebook: null, lastCell: null });
  return context.save();
}

/** What `app.commands.execute(id)` does: run the command, then announce it with its promise. */
function execute(id: string, command: () => Promise<void>): Promise<void> {
  const result = command();
  registry.commandExecuted.emit({ id, result });
  return result;
}

let frame: HTMLIFrameElement;
let posted: ReturnType<typeof vi.fn>;
let bridge: HostBridge | null;

beforeEach(() => {
  frame = document.createElement('iframe');
  document.body.appendChild(frame);
  posted = vi.fn();
  frame.contentWindow!.postMessage = posted as unknown as Window['postMessage'];
  bridge = null;
});

afterEach(() => {
  bridge?.dispose();
  frame.remove();
});

/** A bridge watching one notebook, with or without Lab's command registry. */
function watched(commands: typeof registry | null = registry): FakeContext {
  bridge = new HostBridge([HOST], frame.contentWindow!, commands as never);
  const panel = fakePanel();
  bridge.watch(panel as never);
  bridge.active = panel as never;
  return panel.context;
}

/** The `saved` messages the host received: [id, reason]. */
function saved(): [unknown, unknown][] {
  return posted.mock.calls
    .map(([message]) => message)
    .filter(m => m.type === 'saved')
    .map(m => [m.id, m.reason]);
}

it.each([
  ['docmanager:save', 'user'],
  ['docmanager:save-all', 'user'],
  ['notebook:run-all-cells', 'autosave']
])('a save inside the command %s is reported as %s', async (id, reason) => {
  const context = watched();
  await execute(id, () => context.save());
  expect(saved()).toEqual([[undefined, reason]]);
});

it('a save nobody asked for is autosave (Lab autosaves through no command)', async () => {
  const context = watched();
  await context.save();
  expect(saved()).toEqual([[undefined, 'autosave']]);
});

it('without Lab commands to listen to, a save nobody claimed counts as the user s', async () => {
  const context = watched(null);
  await context.save();
  expect(saved()).toEqual([[undefined, 'user']]);
});

it('the save right after a run ends is autorun s, even without Lab commands', async () => {
  for (const commands of [registry, null]) {
    posted.mockClear();
    const context = watched(commands);
    await autorun(context);
    expect(saved()).toEqual([[undefined, 'autorun']]);
    bridge!.dispose();
  }
});

it('a save in a later task than the run s end is not autorun s', async () => {
  const context = watched();
  runEnded.signal.emit({});
  await new Promise(resolve => setTimeout(resolve, 1));
  await context.save();
  expect(saved()).toEqual([[undefined, 'autosave']]);
});

it('a user save while autorun saves wins: the host reads the file once more', async () => {
  const context = watched();
  await Promise.all([autorun(context), execute('docmanager:save', () => context.save())]);
  expect(saved()).toEqual([
    [undefined, 'user'],
    [undefined, 'user']
  ]);
});

it('the host s save request: the reply and the event both say user', async () => {
  watched();
  const request = { nblaunch: PROTOCOL, type: 'save', id: 's1' };
  window.dispatchEvent(
    new MessageEvent('message', { data: request, origin: HOST, source: frame.contentWindow })
  );
  await vi.waitFor(() => expect(saved()).toHaveLength(2));
  expect(saved()).toEqual([
    [undefined, 'user'],
    ['s1', 'user']
  ]);
});

it('every message carries the protocol version', async () => {
  const context = watched();
  await context.save();
  const messages = posted.mock.calls.map(([m]) => m);
  expect(messages.map(m => m.type)).toEqual(['ready', 'saved']);
  for (const message of messages) {
    expect(message).toMatchObject({ nblaunch: PROTOCOL, version: VERSION });
  }
  expect(VERSION).toBe(2);
});
