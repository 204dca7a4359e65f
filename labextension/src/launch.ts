/**
 * What a notebook opened through nblaunch carries, and what the front end does with it:
 * a label naming the template and parameters, and one autorun once the kernel is ready.
 *
 * A notebook never grants itself permission to run: whatever its metadata says, the plugin
 * runs it only after its server redeems a one-time grant that it issued for this launch
 * (`POST nblaunch/api/grants/redeem`, see nblaunch/core/grants.py).
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { ILaunchMetadata, labelText, METADATA_KEY, parseLaunch } from './metadata';

/** Asks the notebook's server whether the notebook at `path` may run now (once). */
export type Redeem = (path: string) => Promise<boolean>;

/** The launch metadata of a notebook, or null when it was not opened through nblaunch. */
export function readLaunch(panel: NotebookPanel): ILaunchMetadata | null {
  return parseLaunch(panel.model?.getMetadata(METADATA_KEY));
}

/** A header line showing which template and parameters the notebook was opened with. */
export function createLabel(meta: ILaunchMetadata): Widget {
  const widget = new Widget();
  widget.addClass('jp-nblaunch-label');
  widget.node.textContent = labelText(meta);
  const created = meta.created ? `\ncreated ${meta.created}` : '';
  widget.node.title = `${meta.template}\n${labelText(meta)}${created}`;
  return widget;
}

/**
 * Resolve true once the session has a kernel that reached `idle`, false if there is no kernel
 * (the user picked "No Kernel") or it died first.
 */
export async function kernelIdle(sessionContext: ISessionContext): Promise<boolean> {
  await sessionContext.ready;
  return new Promise<boolean>(resolve => {
    const check = (): boolean => {
      const kernel = sessionContext.session?.kernel;
      if (!kernel || kernel.status === 'dead') {
        finish(false);
        return true;
      }
      if (kernel.status === 'idle') {
        finish(true);
        return true;
      }
      return false;
    };
    const onStatus = (): void => {
      check();
    };
    const finish = (ok: boolean): void => {
      sessionContext.statusChanged.disconnect(onStatus);
      sessionContext.kernelChanged.disconnect(onStatus);
      resolve(ok);
    };
    // Connect before checking, so that a status change in between is not missed.
    sessionContext.statusChanged.connect(onStatus);
    sessionContext.kernelChanged.connect(onStatus);
    check();
  });
}

/** Save the notebook, logging a failure rather than throwing it, so a later save still runs. */
async function saveLogged(panel: NotebookPanel, what: string): Promise<void> {
  try {
    await panel.context.save();
  } catch (err) {
    console.error(`nblaunch: saving ${what} failed`, err);
  }
}

/**
 * Run all cells once if the server grants it (`redeem`), for a notebook opened through nblaunch.
 *
 * The grant is redeemed before anything runs and works once, so a reload or a second tab does
 * not run the notebook again. When the run ends (with an error too) the notebook is saved if
 * it is still open, so its outputs are on disk without waiting for the user or autosave.
 */
export async function autorun(panel: NotebookPanel, redeem: Redeem): Promise<boolean> {
  await panel.context.ready;
  if (!readLaunch(panel)) {
    return false;
  }
  let granted = false;
  try {
    granted = await redeem(panel.context.path);
  } catch (err) {
    console.warn('nblaunch: could not ask the server for an autorun grant', err);
  }
  if (!granted) {
    console.info(`nblaunch: no autorun grant for ${panel.context.path}`);
    return false;
  }
  if (!(await kernelIdle(panel.sessionContext)) || panel.isDisposed) {
    return false;
  }
  try {
    return await NotebookActions.runAll(panel.content, panel.sessionContext);
  } finally {
    if (!panel.isDisposed && !panel.context.isDisposed) {
      await saveLogged(panel, 'the autorun outputs');
    }
  }
}
