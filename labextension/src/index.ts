/**
 * nblaunch's JupyterLab 4 / Notebook 7 plugin: for notebooks opened through an nblaunch link,
 * label the launch, run it once when the server allowed autorun, and (inside an iframe only)
 * talk to the host page over the postMessage bridge.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { HostBridge, parseOrigins } from './bridge';
import { autorun, createLabel, readLaunch } from './launch';

/** The ids this package uses; it registers no command that a host page could trigger. */
namespace CommandIDs {
  export const plugin = 'nblaunch:plugin';
  export const label = 'nblaunch-label';
  export const originsOption = 'nblaunchAllowedOrigins';
}

async function onNotebook(panel: NotebookPanel): Promise<void> {
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
    await autorun(panel);
  } catch (err) {
    console.error('nblaunch: autorun failed', err);
  }
}

function startBridge(tracker: INotebookTracker): HostBridge | null {
  const origins = parseOrigins(PageConfig.getOption(CommandIDs.originsOption));
  // Outside an iframe, or with no allowed host, there is nobody to talk to.
  if (window.parent === window || origins.length === 0) {
    return null;
  }
  const bridge = new HostBridge(origins);
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
    tracker.widgetAdded.connect((_, panel) => void onNotebook(panel));
    tracker.forEach(panel => void onNotebook(panel));
    startBridge(tracker);
  }
};

export default plugin;
