/**
 * "Copy launch link": a link that opens a fresh copy of the current notebook's template with
 * the values its parameters cell holds now (the edited `injected-parameters` cell of a copy,
 * or the `parameters` cell of a template).
 *
 * The server reads the cell with nblaunch's literal readers and builds the link for the right
 * door (`POST nblaunch/api/link`, nblaunch/server/linkapi.py); the front end saves unsaved
 * edits first, copies the link and shows it in a dialog too, since a browser may deny the
 * clipboard (headless, or in an iframe without the permission).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog, ToolbarButton } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

export namespace CopyLinkIDs {
  export const command = 'nblaunch:copy-launch-link';
  export const toolbarItem = 'nblaunch-copy-link';
  export const linkClass = 'jp-nblaunch-link';
  export const problemClass = 'jp-nblaunch-link-problem';
}

/** What the server answered: a link to share, or a message for the person. */
export type LinkAnswer = { ok: true; link: string } | { ok: false; message: string };

/**
 * Read the server's answer; a path-absolute link is made absolute with the page's URL, so it
 * works when pasted elsewhere.
 */
export function readAnswer(status: number, body: unknown, pageUrl: string): LinkAnswer {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status === 200 && typeof fields.link === 'string' && fields.link) {
    try {
      return { ok: true, link: new URL(fields.link, pageUrl).href };
    } catch {
      return { ok: false, message: `The server answered a link that is not a URL: ${fields.link}` };
    }
  }
  if (typeof fields.message === 'string' && fields.message) {
    return { ok: false, message: fields.message };
  }
  return { ok: false, message: `The server could not make a launch link (HTTP ${status}).` };
}

/** Copy `text`; false when the browser refuses (no clipboard API, or permission denied). */
export async function copyText(
  text: string,
  clipboard: Pick<Clipboard, 'writeText'> | undefined = globalThis.navigator?.clipboard
): Promise<boolean> {
  if (!clipboard) {
    return false;
  }
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** The dialog's body: the link in a read-only field (selected, so Ctrl+C copies it). */
export function linkBody(answer: LinkAnswer, copied: boolean): Widget {
  const body = new Widget();
  if (!answer.ok) {
    body.addClass(CopyLinkIDs.problemClass);
    body.node.textContent = answer.message;
    return body;
  }
  const note = document.createElement('p');
  note.textContent = copied
    ? 'Copied to the clipboard. It opens a fresh copy with these values:'
    : 'The browser did not allow the clipboard: copy the link from here.';
  const field = document.createElement('input');
  field.className = CopyLinkIDs.linkClass;
  field.readOnly = true;
  field.value = answer.link;
  field.style.width = '100%';
  field.addEventListener('focus', () => field.select());
  body.node.append(note, field);
  return body;
}

async function askServer(app: JupyterFrontEnd, panel: NotebookPanel): Promise<LinkAnswer> {
  const settings = app.serviceManager.serverSettings;
  const url = URLExt.join(settings.baseUrl, 'nblaunch/api/link');
  // The server reads the file: unsaved edits of the cell must reach it first.
  if (panel.model?.dirty) {
    await panel.context.save();
  }
  const path = app.serviceManager.contents.localPath(panel.context.path);
  const init = { method: 'POST', body: JSON.stringify({ path }) };
  const response = await ServerConnection.makeRequest(url, init, settings);
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return readAnswer(response.status, body, window.location.href);
}

async function copyLaunchLink(app: JupyterFrontEnd, panel: NotebookPanel): Promise<LinkAnswer> {
  let answer: LinkAnswer;
  try {
    answer = await askServer(app, panel);
  } catch (err) {
    answer = { ok: false, message: `The server could not be reached: ${String(err)}` };
  }
  const copied = answer.ok ? await copyText(answer.link) : false;
  void showDialog({
    title: answer.ok ? 'Launch link' : 'No launch link',
    body: linkBody(answer, copied),
    buttons: [Dialog.okButton({ label: 'Close' })]
  });
  return answer;
}

/** Register the command, its palette item, notebook toolbar button and context-menu item. */
export function registerCopyLink(app: JupyterFrontEnd, tracker: INotebookTracker): void {
  app.commands.addCommand(CopyLinkIDs.command, {
    label: 'Copy Launch Link',
    caption: 'Copy a link that opens a fresh copy of this notebook with its current parameters',
    isEnabled: () => tracker.currentWidget !== null,
    execute: async () => {
      const panel = tracker.currentWidget;
      return panel ? copyLaunchLink(app, panel) : null;
    }
  });
  app.contextMenu.addItem({ command: CopyLinkIDs.command, selector: '.jp-Notebook', rank: 90 });
  const addButton = (panel: NotebookPanel): void => {
    const button = new ToolbarButton({
      label: 'Launch link',
      tooltip: 'Copy a launch link with the current parameters',
      onClick: () => void copyLaunchLink(app, panel)
    });
    panel.toolbar.insertItem(10, CopyLinkIDs.toolbarItem, button);
  };
  tracker.widgetAdded.connect((_, panel) => addButton(panel));
  tracker.forEach(addButton);
  void app.resolveOptionalService(ICommandPalette).then(palette => {
    palette?.addItem({ command: CopyLinkIDs.command, category: 'Notebook Operations' });
  });
}
