/**
 * Why each save of a notebook happened, for the bridge's `saved` event (docs/bridge.md): a
 * person or the host asked (`user`), nblaunch's autorun saved its outputs (`autorun`), or
 * JupyterLab's autosave did (`autosave`). A host keeps versions of the first kind only.
 *
 * JupyterLab reports every save the same way (`context.saveState`), so the reason is read from
 * what is in flight when a save completes:
 *
 * - `user`: a host's `save` request, or one of Lab's save commands (menu, toolbar, Ctrl+S). A
 *   command calls `context.save()` before Lab announces it (`commandExecuted`, with the
 *   command's promise), but that save awaits `context.ready` first, so it always completes
 *   while the command is still counted.
 * - `autorun`: a save made through `autorunSave`, which launch.ts uses for its saves.
 * - `autosave`: anything else. Lab's autosave (docmanager's SaveHandler) calls `context.save()`
 *   on a timer, through no command. Without Lab's command registry a save command cannot be
 *   seen, so such saves are reported as `user` instead: a version too many is better than a
 *   lost one.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';

/** Why a save happened. */
export type SaveReason = 'user' | 'autorun' | 'autosave';

/** Lab's commands that save because a person asked: menu, toolbar button, Ctrl+S. */
export const USER_SAVE_COMMANDS: ReadonlySet<string> = new Set([
  'docmanager:save',
  'docmanager:save-all'
]);

/** The part of JupyterLab's command registry the bridge listens to (`app.commands`). */
export type Commands = Pick<JupyterFrontEnd['commands'], 'commandExecuted'>;

/** A document context, as far as saving goes. */
export interface ISavable {
  save(): Promise<void>;
}

/** Saves in flight that nblaunch's autorun made, per document context. */
const autorunSaves = new WeakMap<object, number>();

/** Count `key` as busy while `work` runs. */
async function during(counts: WeakMap<object, number>, key: object, work: () => Promise<void>) {
  counts.set(key, (counts.get(key) ?? 0) + 1);
  try {
    await work();
  } finally {
    counts.set(key, (counts.get(key) ?? 1) - 1);
  }
}

/**
 * Save a notebook on behalf of nblaunch's autorun, so that hosts hear `reason: "autorun"` and
 * do not keep it as a version the user made. Rejects as `context.save()` does.
 *
 * For example, in launch.ts: `await autorunSave(panel.context)` instead of
 * `await panel.context.save()`.
 */
export function autorunSave(context: ISavable): Promise<void> {
  return during(autorunSaves, context, () => context.save());
}

/** Who is saving now: the host's requests, Lab's save commands, autorun. */
export class SaveReasons {
  /** `commands`: Lab's command registry, or null when the caller has none to give. */
  constructor(commands: Commands | null) {
    this._commands = commands;
    commands?.commandExecuted.connect(this._onCommand, this);
  }

  /** Save `context` for the host's `save` request. */
  byHost(context: ISavable): Promise<void> {
    return during(this._hostSaves, context, () => context.save());
  }

  /**
   * Why the save of `context` that has just completed happened. A person's save wins over
   * autorun's when both are in flight: the host then reads the file once more, nothing is lost.
   */
  reasonOf(context: object): SaveReason {
    if ((this._hostSaves.get(context) ?? 0) > 0 || this._userCommands > 0) {
      return 'user';
    }
    if ((autorunSaves.get(context) ?? 0) > 0) {
      return 'autorun';
    }
    return this._commands ? 'autosave' : 'user';
  }

  dispose(): void {
    this._commands?.commandExecuted.disconnect(this._onCommand, this);
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

  private _commands: Commands | null;
  private _userCommands = 0;
  private _hostSaves = new WeakMap<object, number>();
}
