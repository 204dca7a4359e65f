/**
 * Two tabs (or a tab and anything else) saving one notebook: the host's `save` must neither
 * overwrite what another tab saved meanwhile nor wait on JupyterLab's "File Changed" dialog,
 * which a host cannot see or answer (docs/bridge.md, "Conflicts").
 *
 * Pure: it imports nothing from JupyterLab, so test/conflicts.test.ts runs it in Node.
 */

/** What a Contents model says about a file's version: Jupyter Server 2 sends `hash`. */
export interface IFileStamp {
  hash?: string | null;
  last_modified?: string | null;
}

/**
 * JupyterLab's own margin for file systems whose clocks disagree with the server's
 * (`DocumentContext.lastModifiedCheckMargin`): only newer by more than this is a change.
 */
export const MARGIN_MS = 500;

/**
 * Whether the file on disk is no longer the one the tab loaded or last saved: the same test as
 * JupyterLab's `_maybeSave` (hashes when both sides have one, else a newer `last_modified`), so
 * the bridge refuses exactly the saves that Lab would have asked about.
 */
export function changedOnDisk(mine: IFileStamp | null, disk: IFileStamp): boolean {
  if (!mine) {
    return false;
  }
  if (mine.hash && disk.hash) {
    return mine.hash !== disk.hash;
  }
  if (!mine.last_modified || !disk.last_modified) {
    return false;
  }
  const gap = Date.parse(disk.last_modified) - Date.parse(mine.last_modified);
  return gap > MARGIN_MS;
}

/**
 * Where the tab's content goes when the original changed elsewhere: next to it, named after it
 * and the local time, so a person sees in the file browser which notebook it belongs to.
 *
 * For example `conflictCopyPath('analyses/a.ipynb', new Date(2026, 11, 5, 9, 3, 7))` is
 * `analyses/a-conflict-20261205-090307.ipynb`.
 */
export function conflictCopyPath(path: string, when: Date): string {
  const slash = path.lastIndexOf('/');
  const folder = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const stem = name.endsWith('.ipynb') ? name.slice(0, -'.ipynb'.length) : name;
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = `${when.getFullYear()}${two(when.getMonth() + 1)}${two(when.getDate())}`;
  const time = `${two(when.getHours())}${two(when.getMinutes())}${two(when.getSeconds())}`;
  return `${folder}${stem}-conflict-${day}-${time}.ipynb`;
}
