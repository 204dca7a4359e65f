/**
 * `metadata.nblaunch`, which the Python side writes into every notebook it opens
 * (`nblaunch.core.inject`): reading it safely, and the label text shown above the notebook.
 *
 * Pure: it imports nothing from JupyterLab, so test/metadata.test.ts runs it in Node.
 */

/** The metadata key the Python side writes. */
export const METADATA_KEY = 'nblaunch';

/**
 * `metadata.nblaunch` of a notebook opened through nblaunch. It grants nothing: whether the
 * notebook may run is the server's one-time grant (nblaunch/core/grants.py), never its metadata.
 */
export interface ILaunchMetadata {
  template: string;
  parameters: { [name: string]: unknown };
  link: string | null;
  created: string;
  version: string;
}

/** The launch metadata in `value`, or null when it is not any (no object, no template). */
export function parseLaunch(value: unknown): ILaunchMetadata | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return null;
  }
  const meta = value as Partial<ILaunchMetadata>;
  if (typeof meta.template !== 'string') {
    return null;
  }
  return {
    template: meta.template,
    parameters: meta.parameters && typeof meta.parameters === 'object' ? meta.parameters : {},
    link: typeof meta.link === 'string' ? meta.link : null,
    created: String(meta.created ?? ''),
    version: String(meta.version ?? '')
  };
}

/** The label text, e.g. `nblaunch: image-stats · image_id=2959331`. */
export function labelText(meta: ILaunchMetadata): string {
  const file = meta.template.split('/').pop()!;
  const stem = file.replace(/\.ipynb$/, '');
  const values = Object.entries(meta.parameters).map(
    ([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`
  );
  return values.length ? `nblaunch: ${stem} · ${values.join(', ')}` : `nblaunch: ${stem}`;
}
