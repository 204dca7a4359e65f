// @vitest-environment jsdom
/**
 * "Copy launch link" (src/copylink.ts): reading the server's answer, copying with a clipboard
 * that may refuse, and the dialog's body. The JupyterLab packages are stood in for: only the
 * pure parts are tested here; the command runs for real in tests/browser/test_copylink.py.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/apputils', () => ({
  Dialog: { okButton: vi.fn() },
  ICommandPalette: {},
  showDialog: vi.fn(),
  ToolbarButton: class {}
}));
vi.mock('@jupyterlab/coreutils', () => ({
  URLExt: { join: (...parts: string[]) => parts.join('/') }
}));
vi.mock('@jupyterlab/notebook', () => ({ INotebookTracker: {}, NotebookPanel: class {} }));
vi.mock('@jupyterlab/services', () => ({ ServerConnection: { makeRequest: vi.fn() } }));
vi.mock('@lumino/widgets', () => ({
  Widget: class {
    node = document.createElement('div');
    addClass(name: string): void {
      this.node.classList.add(name);
    }
  }
}));

import { copyText, CopyLinkIDs, linkBody, readAnswer } from '../src/copylink';

const PAGE = 'http://127.0.0.1:8888/lab/tree/nblaunch/a.ipynb';

describe('readAnswer', () => {
  it.each([
    [
      200,
      { link: '/nblaunch/open/t.ipynb?n=2' },
      'http://127.0.0.1:8888/nblaunch/open/t.ipynb?n=2'
    ],
    [
      200,
      { link: '/hub/user-redirect/nblaunch/open/t.ipynb?n=2' },
      'http://127.0.0.1:8888/hub/user-redirect/nblaunch/open/t.ipynb?n=2'
    ],
    [
      200,
      { link: 'https://hub.example.org/services/nblaunch/open/t?n=2' },
      'https://hub.example.org/services/nblaunch/open/t?n=2'
    ]
  ])('makes the link absolute (%s %j)', (status, body, link) => {
    expect(readAnswer(status, body, PAGE)).toEqual({ ok: true, link });
  });

  it.each([
    [
      400,
      { code: 'invalid-parameters', message: "'n' is no longer a literal value (f())" },
      "'n' is no longer a literal value (f())"
    ],
    [500, null, 'The server could not make a launch link (HTTP 500).'],
    [200, { link: '' }, 'The server could not make a launch link (HTTP 200).'],
    [404, 'not an object', 'The server could not make a launch link (HTTP 404).']
  ])('says why there is no link (%s %j)', (status, body, message) => {
    expect(readAnswer(status, body, PAGE)).toEqual({ ok: false, message });
  });
});

describe('copyText', () => {
  it('copies with the clipboard', async () => {
    const writeText = vi.fn(async () => undefined);
    expect(await copyText('x', { writeText })).toBe(true);
    expect(writeText).toHaveBeenCalledWith('x');
  });

  it('is false when the browser refuses or has no clipboard', async () => {
    const writeText = vi.fn(async () =>
      Promise.reject(new DOMException('denied', 'NotAllowedError'))
    );
    expect(await copyText('x', { writeText })).toBe(false);
    expect(await copyText('x', undefined)).toBe(false);
  });
});

describe('linkBody', () => {
  it('shows the link in a read-only field and says whether it was copied', () => {
    for (const copied of [true, false]) {
      const node = linkBody({ ok: true, link: 'http://h/x?n=1' }, copied).node;
      const field = node.querySelector(`input.${CopyLinkIDs.linkClass}`) as HTMLInputElement;
      expect(field.value).toBe('http://h/x?n=1');
      expect(field.readOnly).toBe(true);
      expect(node.textContent).toContain(copied ? 'Copied' : 'did not allow the clipboard');
    }
  });

  it('shows the message when there is no link', () => {
    const node = linkBody({ ok: false, message: "'n' is no longer a literal" }, false).node;
    expect(node.classList.contains(CopyLinkIDs.problemClass)).toBe(true);
    expect(node.textContent).toBe("'n' is no longer a literal");
  });
});
