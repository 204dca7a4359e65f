import { describe, expect, it } from 'vitest';

import { ILaunchMetadata, labelText, parseLaunch } from '../src/metadata';

const written = {
  template: 'examples/image-stats.ipynb',
  parameters: { image_id: 2959331, label: 'cells' },
  link: 'https://app.example.org/launch?x=1',
  created: '2026-12-05T07:00:00Z',
  version: '0.1.0'
};

describe('parseLaunch', () => {
  it('reads what the Python side writes', () => {
    expect(parseLaunch(written)).toEqual(written);
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'examples/image-stats.ipynb'],
    ['an array', [written]],
    ['no template', { ...written, template: undefined }],
    ['a template that is no string', { ...written, template: 3 }]
  ])('is null for %s', (_, value) => {
    expect(parseLaunch(value)).toBeNull();
  });

  it('fills in what is missing', () => {
    expect(parseLaunch({ template: 't.ipynb' })).toEqual({
      template: 't.ipynb',
      parameters: {},
      link: null,
      created: '',
      version: ''
    });
  });

  it('passes on nothing else, such as an autorun flag written into the notebook', () => {
    const meta = parseLaunch({ ...written, autorun: true, run: 'print(1)' });
    expect(meta).toEqual(written);
    expect(meta).not.toHaveProperty('autorun');
  });

  it.each([
    ['null', null],
    ['a string', 'image_id=1']
  ])('reads parameters that are %s as none', (_, parameters) => {
    expect(parseLaunch({ ...written, parameters })?.parameters).toEqual({});
  });

  it('reads a link that is no string as none', () => {
    expect(parseLaunch({ ...written, link: 42 })?.link).toBeNull();
  });
});

describe('labelText', () => {
  const meta = (template: string, parameters: ILaunchMetadata['parameters']): ILaunchMetadata => ({
    ...written,
    template,
    parameters
  });

  it.each([
    [
      meta('examples/image-stats.ipynb', { image_id: 2959331 }),
      'nblaunch: image-stats · image_id=2959331'
    ],
    [meta('image-stats.ipynb', {}), 'nblaunch: image-stats'],
    [meta('a/b/report', { q: 'x y' }), 'nblaunch: report · q=x y'],
    // Strings as typed, everything else as JSON, in the order the link gave them.
    [
      meta('t.ipynb', { s: 'text', n: 1.5, b: false, l: [1, 'a'], z: null }),
      'nblaunch: t · s=text, n=1.5, b=false, l=[1,"a"], z=null'
    ]
  ])('%j', (value, expected) => {
    expect(labelText(value)).toBe(expected);
  });
});
