/**
 * The host bridge, protocol version 2 (docs/bridge.md): a page that embeds JupyterLab or
 * Notebook 7 in an iframe may save the notebook, run it, and hear about its state, including
 * why each save happened.
 *
 * Only messages from `window.parent` whose origin is in the server's `allowed_origins` are
 * read, and every reply goes to exactly that origin. There is deliberately no generic command
 * runner: the four request types below are all that a host can trigger.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import type { Contents } from '@jupyterlab/services';

import { changedOnDisk, conflictCopyPath } from './conflicts';

import { enqueue, IMessage, readMessage } from './messages';
import { fromAllowedHost, initialTarget } from './origins';
import { type Commands, SaveReasons } from './saves';

export { type SaveReason } from './saves';

/** The part of JupyterLab's contents manager the bridge uses (`app.serviceManager.contents`). */
export type ContentsLike = Pick<Contents.IManager, 'get' | 'save'>;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The message format: every message, both ways, carries `nblaunch: 1`. */
export const PROTOCOL = 1;

/**
 * What this plugin speaks within that format, sent as `version` in every message. Version 2
 * adds `reason` to `saved`; a version 1 host reads everything else as before.
 */
export const VERSION = 2;

/** Events waiting for the host's origin to be known; bounded so a silent host costs nothing. */
const MAX_PENDING = 50;

export class HostBridge {
  /**
   * `commands` is JupyterLab's command registry (`app.commands`): without it the bridge cannot
   * tell Lab's own Save (menu, Ctrl+S) from autosave, and reports both as `user`. `contents`
   * (`app.serviceManager.contents`) lets a host's save check the file on disk first: without it
   * a save over another tab's opens Lab's "File Changed" dialog, which the host never hears of.
   */
  constructor(
    origins: string[],
    parent: Window = window.parent,
    commands: Commands | null = null,
    contents: ContentsLike | null = null
  ) {
    this._origins = origins;
    this._parent = parent;
    this._contents = contents;
    // The mocked notebook package of the unit tests may have no such signal.
    this._reasons = new SaveReasons(commands, NotebookActions.selectionExecuted ?? null);
    // With one allowed origin we know where events go before the host says anything.
    this._target = initialTarget(origins);
    window.addEventListener('message', this._onMessage);
  }

  /** The notebook that requests act on: the one the user sees. */
  set active(panel: NotebookPanel | null) {
    if (panel === this._active) {
      return;
    }
    this._active = panel;
    if (panel) {
      void panel.context.ready.then(() => {
        if (this._active === panel && !panel.isDisposed) {
          this.send({ type: 'ready', path: panel.context.path });
        }
      });
    }
  }

  /** Forward a notebook's state changes to the host as events. */
  watch(panel: NotebookPanel): void {
    const context = panel.context;
    // The model can already be dirty when it is ready (the kernel's language_info is written
    // into the metadata), so compare with what the host was last told instead of relying on
    // the model's transitions alone.
    let told: boolean | null = null;
    const onChange = (): void => {
      const dirty = context.model.dirty;
      if (dirty !== told) {
        told = dirty;
        this.send({ type: 'dirty', path: context.path, dirty });
      }
    };
    // saveState covers every save, whoever started it (host, menu, shortcut, autosave, autorun),
    // and each is announced once; fileChanged would also fire when the file is first loaded.
    const onSave = (_: unknown, state: DocumentRegistry.SaveState): void => {
      if (state === 'started') {
        this._reasons.started(context);
        return;
      }
      const reason = this._reasons.finished(context);
      if (state === 'completed') {
        const last_modified = context.contentsModel?.last_modified ?? null;
        this.send({ type: 'saved', path: context.path, last_modified, reason });
      }
    };
    const onKernel = (_: unknown, status: string): void => {
      this.send({ type: 'kernel', path: context.path, status });
    };
    void context.ready.then(() => {
      context.model.contentChanged.connect(onChange);
      context.model.stateChanged.connect(onChange);
    });
    context.saveState.connect(onSave);
    panel.sessionContext.statusChanged.connect(onKernel);
    panel.disposed.connect(() => {
      if (this._active === panel) {
        this._active = null;
      }
    });
  }

  /** Send a message to the host, or queue it until the host's origin is known. */
  send(body: { type: string; [key: string]: unknown }): void {
    const message = { nblaunch: PROTOCOL, version: VERSION, ...body };
    if (this._target === null) {
      enqueue(this._pending, message, MAX_PENDING);
      return;
    }
    this._parent.postMessage(message, this._target);
  }

  dispose(): void {
    window.removeEventListener('message', this._onMessage);
    this._reasons.dispose();
  }

  private _onMessage = (event: MessageEvent): void => {
    if (!fromAllowedHost(event, this._parent, this._origins)) {
      return;
    }
    const data = readMessage(event.data, PROTOCOL);
    if (!data) {
      return;
    }
    if (this._target !== event.origin) {
      this._target = event.origin;
      this._pending.forEach(m => this._parent.postMessage(m, event.origin));
    }
    this._pending = [];
    void this._handle(data);
  };

  private async _handle(request: IMessage): Promise<void> {
    const id = request.id ?? null;
    const panel = this._active;
    switch (request.type) {
      case 'ping':
        this.send({ type: 'pong', id, path: panel?.context.path ?? null });
        return;
      case 'save':
        return panel
          ? this._save(id, panel)
          : this.send({ type: 'save-failed', id, reason: 'No notebook is open.' });
      case 'run-all':
        if (!panel) {
          this.send({ type: 'error', id, reason: 'No notebook is open.' });
          return;
        }
        await this._runAll(id, panel);
        return;
      default:
        this.send({ type: 'error', id, reason: `Unknown request type: ${request.type}` });
    }
  }

  private async _save(id: string | number | null, panel: NotebookPanel): Promise<void> {
    const context = panel.context;
    let changed = false;
    try {
      changed = await this._changedOnDisk(context);
    } catch (err) {
      const reason = `The notebook server did not answer, so nothing was saved (${messageOf(err)}).`;
      this.send({ type: 'save-failed', id, code: 'unreachable', reason });
      return;
    }
    if (changed) {
      return this._saveCopy(id, context);
    }
    let state: DocumentRegistry.SaveState | null = null;
    const onState = (_: unknown, s: DocumentRegistry.SaveState): void => {
      state = s;
    };
    context.saveState.connect(onState);
    try {
      await this._reasons.byHost(context);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.send({ type: 'save-failed', id, reason: reason || 'The save failed.' });
      return;
    } finally {
      context.saveState.disconnect(onState);
    }
    if (state === 'completed') {
      const last_modified = context.contentsModel?.last_modified ?? null;
      this.send({ type: 'saved', id, path: context.path, last_modified, reason: 'user' });
    } else {
      this.send({ type: 'save-failed', id, reason: 'The save did not complete.' });
    }
  }

  /** Whether another tab (or anything) changed the file since this one loaded or saved it. */
  private async _changedOnDisk(context: NotebookPanel['context']): Promise<boolean> {
    if (!this._contents) {
      return false;
    }
    try {
      const disk = await this._contents.get(context.path, { content: false, hash: true });
      return changedOnDisk(context.contentsModel, disk);
    } catch (err) {
      // A deleted file is no conflict: Lab's own save then creates it again.
      const status = (err as { response?: { status?: number } }).response?.status;
      if (status === 404) {
        return false;
      }
      throw err;
    }
  }

  /**
   * The file changed elsewhere: keep both. This tab's content goes to a new file next to it
   * (nothing is overwritten, no dialog waits in the frame), and the reply's `path` names that
   * file, with `conflict: true` and the `original` path, for the host to offer a choice.
   */
  private async _saveCopy(
    id: string | number | null,
    context: NotebookPanel['context']
  ): Promise<void> {
    const original = context.path;
    const copy = conflictCopyPath(original, new Date());
    const content = context.model.toJSON();
    try {
      const model = await this._contents!.save(copy, { type: 'notebook', format: 'json', content });
      const last_modified = model.last_modified ?? null;
      const reply = { id, path: model.path, last_modified, reason: 'user', original };
      this.send({ type: 'saved', ...reply, conflict: true });
    } catch (err) {
      const reason = `${original} changed on disk since this tab opened it, and this tab's copy could not be saved (${messageOf(err)}).`;
      this.send({ type: 'save-failed', id, code: 'conflict', reason });
    }
  }

  private async _runAll(id: string | number | null, panel: NotebookPanel): Promise<void> {
    let ok = false;
    try {
      ok = await NotebookActions.runAll(panel.content, panel.sessionContext);
    } finally {
      this.send({ type: 'ran', id, path: panel.context.path, ok });
    }
  }

  private _origins: string[];
  private _parent: Window;
  private _contents: ContentsLike | null;
  private _reasons: SaveReasons;
  private _target: string | null;
  private _pending: IMessage[] = [];
  private _active: NotebookPanel | null = null;
}
