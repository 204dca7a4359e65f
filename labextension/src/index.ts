/**
 * nblaunch's JupyterLab 4 / Notebook 7 plugin: for notebooks opened through an nblaunch link,
 * label the launch, run it once when the server allowed autorun, and (inside an iframe only)
 * talk to the host page over the postMessage bridge.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

import { HostBridge } from './bridge';
import { registerCopyLink } from './copylink';
import { autorun, createLabel, readLaunch, Redeem } from './launch';
import { parseOrigins } from './origins';

/** The ids this package uses; it registers no command that a host page could trigger. */
namespace CommandIDs {
  export const plugin = 'nblaunch:plugin';
  export const label = 'nblaunch-label';
  export const originsOption = 'nblaunchAllowedOrigins';
}

/** Redeem the server's one-time autorun grant for a notebook (nblaunch/server/handlers.py). */
function grantRedeemer(app: JupyterFrontEnd): Redeem {
  const settings = app.serviceManager.serverSettings;
  const url = URLExt.join(settings.baseUrl, 'nblaunch/api/grants/redeem');
  return async (path: string): Promise<boolean> => {
    // A path may carry a drive prefix (`RTC:` with collaboration); the server's is local.
    const local = app.serviceManager.contents.localPath(path);
    const init = { method: 'POST', body: JSON.stringify({ path: local }) };
    const response = await ServerConnection.makeRequest(url, init, settings);
    if (!response.ok) {
      return false;
    }
    const body = (await response.json()) as { run?: unknown };
    return body.run === true;
  };
}

async function onNotebook(panel: NotebookPanel, redeem: Redeem): Promise<void> {
  await panel.context.ready;
  const meta = readLaunch(panel);
  if (!meta || panel.isDisposed) {
    return;
  }
  // A content header rather than a toolbar item: a narrow toolbar hides its last items.
  const label = createLabel(meta);
  label.id = `${CommandIDs.label}-${panel.id}`;
  panel.contentHeader.addWidget(label);
  try {
    await autorun(panel, redeem);
  } catch (err) {
    console.error('nblaunch: autorun failed', err);
  }
}

function startBridge(app: JupyterFrontEnd, tracker: INotebookTracker): HostBridge | null {
  const origins = parseOrigins(PageConfig.getOption(CommandIDs.originsOption));
  // Outside an iframe, or with no allowed host, there is nobody to talk to.
  if (window.parent === window || origins.length === 0) {
    return null;
  }
  // Lab's commands tell a person's save (docmanager:save) from autosave's (no command); the
  // contents manager lets a host's save see another tab's save instead of Lab's dialog.
  const contents = app.serviceManager.contents;
  const bridge = new HostBridge(origins, window.parent, app.commands, contents);
  tracker.widgetAdded.connect((_, panel) => {
    bridge.watch(panel);
    bridge.active = tracker.currentWidget ?? panel;
  });
  tracker.currentChanged.connect((_, panel) => {
    if (panel) {
      bridge.active = panel;
    }
  });
  tracker.forEach(panel => bridge.watch(panel));
  bridge.active = tracker.currentWidget;
  return bridge;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: CommandIDs.plugin,
  description: 'Autorun, launch label and host bridge for notebooks opened through nblaunch.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    const redeem = grantRedeemer(app);
    tracker.widgetAdded.connect((_, panel) => void onNotebook(panel, redeem));
    tracker.forEach(panel => void onNotebook(panel, redeem));
    startBridge(app, tracker);
    registerCopyLink(app, tracker);
  }
};

export default plugin;
