import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ToolbarButton } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';

import { refusalText } from './messages';
import { FeedbackPanel } from './panel';
import { requestCheck } from './request';

const COMMAND = 'cnn-check-my-work:check';

/** Saves the notebook, has the server extension send it to the grading service, shows the answer. */
async function check(
  app: JupyterFrontEnd,
  panel: FeedbackPanel,
  notebook: NotebookPanel
): Promise<void> {
  const path = notebook.context.path;
  if (!panel.isAttached) {
    app.shell.add(panel, 'right', { rank: 900 });
  }
  app.shell.activateById(panel.id);
  panel.showProgress(path);
  try {
    // The service grades the file as saved, so what is on screen must be on disk first.
    await notebook.context.save();
  } catch (error) {
    panel.showError(`Could not save ${path}, so nothing was checked: ${error}`, 0);
    return;
  }
  try {
    const reply = await requestCheck(path, app.serviceManager.serverSettings);
    if (reply.status === 200 && reply.body.exercises) {
      panel.showRecord(path, reply.body);
    } else {
      panel.showError(refusalText(reply), reply.status);
    }
  } catch (error) {
    panel.showError(
      `Your Jupyter server did not answer, so nothing was checked: ${error}`,
      0
    );
  }
}

/** The "Check my work" button of every notebook's toolbar. */
class CheckButton
  implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel>
{
  constructor(private readonly app: JupyterFrontEnd) {}

  createNew(notebook: NotebookPanel): IDisposable {
    const button = new ToolbarButton({
      className: 'cnn-CheckMyWork-button',
      label: 'Check my work',
      tooltip: 'Save this notebook and get feedback from the grading service',
      onClick: () => {
        void this.app.commands.execute(COMMAND);
      }
    });
    notebook.toolbar.insertItem(10, 'cnnCheckMyWork', button);
    return button;
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'cnn-check-my-work:plugin',
  description: 'Check my work: feedback from the course grading service on the saved notebook.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    const panel = new FeedbackPanel();
    let running = false;
    app.commands.addCommand(COMMAND, {
      label: 'Check my work',
      caption: 'Save the current notebook and get feedback from the grading service',
      isEnabled: () => tracker.currentWidget !== null && !running,
      execute: async () => {
        const notebook = tracker.currentWidget;
        if (notebook === null || running) {
          return;
        }
        // One check at a time from this page; the service allows one in flight per student anyway.
        running = true;
        app.commands.notifyCommandChanged(COMMAND);
        try {
          await check(app, panel, notebook);
        } finally {
          running = false;
          app.commands.notifyCommandChanged(COMMAND);
        }
      }
    });
    palette?.addItem({ command: COMMAND, category: 'Notebook Operations' });
    app.docRegistry.addWidgetExtension('Notebook', new CheckButton(app));
  }
};

export default plugin;
