/**
 * Why each save of a notebook happened, for the bridge's `saved` event (docs/bridge.md): a
 * person or the host asked (`user`), nblaunch's autorun saved its outputs (`autorun`), or
 * JupyterLab's autosave did (`autosave`). A host keeps versions of the first kind only.
 *
 * JupyterLab reports every save the same way (`context.saveState`), so the reason is read from
 * what surrounds it:
 *
 * - `user`: a host's `save` request, or one of Lab's save commands (menu, toolbar, Ctrl+S), is
 *   in flight when the save completes. A command calls `context.save()` before Lab announces
 *   it (`commandExecuted`, with the command's promise), but that save awaits `context.ready`
 *   first, so it always completes while the command is still counted.
 * - `autorun`: the save started in the same task as a run of cells ended
 *   (`NotebookActions.selectionExecuted`), i.e. by code that awaited the run: launch.ts saves
 *   the outputs right after its run-all. A person's save or Lab's autosave timer starts in a
 *   task of its own.
 * - `autosave`: anything else. Lab's autosave (docmanager's SaveHandler) calls `context.save()`
 *   on a timer, through no command. Without Lab's command registry a save command cannot be
 *   seen, so such saves are reported as `user` instead: a version too many is better than a
 *   lost one.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { NotebookActions } from '@jupyterlab/notebook';

/** Why a save happened. */
export type SaveReason = 'user' | 'autorun' | 'autosave';

/** Lab's commands that save because a person asked: menu, toolbar button, Ctrl+S. */
export const USER_SAVE_COMMANDS: ReadonlySet<string> = new Set([
  'docmanager:save',
  'docmanager:save-all'
]);

/** The part of JupyterLab's command registry the bridge listens to (`app.commands`). */
export type Commands = Pick<JupyterFrontEnd['commands'], 'commandExecuted'>;

/** The signal that a run of cells ended: `NotebookActions.selectionExecuted`. */
export type RunEnded = Pick<typeof NotebookActions.selectionExecuted, 'connect' | 'disconnect'>;

/** A document context, as far as saving goes. */
export interface ISavable {
  save(): Promise<void>;
}

function add(counts: WeakMap<object, number>, key: object, step: number): void {
  counts.set(key, Math.max(0, (counts.get(key) ?? 0) + step));
}

/**
 * Who is saving now: the host's requests, Lab's save commands, code right after a run.
 *
 * For example: `const reasons = new SaveReasons(app.commands, NotebookActions.selectionExecuted)`,
 * then `reasons.started(context)` and `reasons.finished(context)` around each save.
 */
export class SaveReasons {
  /** `commands`: Lab's command registry; `runEnded`: when runs of cells end. Either may be null. */
  constructor(commands: Commands | null, runEnded: RunEnded | null = null) {
    this._commands = commands;
    this._runEnded = runEnded;
    commands?.commandExecuted.connect(this._onCommand, this);
    runEnded?.connect(this._onRunEnded, this);
  }

  /** Save `context` for the host's `save` request. */
  async byHost(context: ISavable): Promise<void> {
    add(this._hostSaves, context, 1);
    try {
      await context.save();
    } finally {
      add(this._hostSaves, context, -1);
    }
  }

  /** Call when a save of `context` starts (`saveState` → `started`). */
  started(context: object): void {
    if (this._afterRun) {
      add(this._autorunSaves, context, 1);
    }
  }

  /**
   * Call when a save of `context` ends (`completed` or `failed`): why it happened. A person's
   * save wins over autorun's when both are in flight: the host reads the file once more.
   */
  finished(context: object): SaveReason {
    const autorun = (this._autorunSaves.get(context) ?? 0) > 0;
    add(this._autorunSaves, context, -1);
    if ((this._hostSaves.get(context) ?? 0) > 0 || this._userCommands > 0) {
      return 'user';
    }
    if (autorun) {
      return 'autorun';
    }
    return this._commands ? 'autosave' : 'user';
  }

  dispose(): void {
    this._commands?.commandExecuted.disconnect(this._onCommand, this);
    this._runEnded?.disconnect(this._onRunEnded, this);
  }

  private _onCommand(_: unknown, args: { id: string; result: Promise<unknown> }): void {
    if (!USER_SAVE_COMMANDS.has(args.id)) {
      return;
    }
    this._userCommands += 1;
    const done = (): void => {
      this._userCommands -= 1;
    };
    args.result.then(done, done);
  }

  private _onRunEnded(): void {
    // Until the next task: a save started before then was started by code that awaited the run.
    this._afterRun = true;
    setTimeout(() => {
      this._afterRun = false;
    }, 0);
  }

  private _commands: Commands | null;
  private _runEnded: RunEnded | null;
  private _userCommands = 0;
  private _afterRun = false;
  private _hostSaves = new WeakMap<object, number>();
  private _autorunSaves = new WeakMap<object, number>();
}
