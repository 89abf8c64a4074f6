/**
 * The site's typedoc build does not check relative paths (root typedoc.json sets validation.invalidPath false, as
 * the playground link names a page that only the build creates), so this test does: every relative link of the
 * docs' markdown must name a file of the repository, or the playground page the site build writes.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, markdownFiles } from './markdown.js';
import { readFileSync } from 'node:fs';

/** Where the site build puts the playground page (docs/playground/page.html becomes site/playground/index.html). */
const PLAYGROUND = 'docs/playground/index.html';

const docs = markdownFiles().filter((f) => f.startsWith('docs/'));

describe.each(docs)('%s', (file) => {
  it('links only to files that exist (or to the playground)', () => {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)|href="([^"]+)"/g)].map((m) => (m[1] ?? m[2])!).filter((t) => !/^[a-z]+:|^#/.test(t));
    const broken = targets.filter((t) => {
      const path = relative(ROOT, join(ROOT, file, '..', t.replace(/#.*$/, '')));
      return path !== PLAYGROUND && !existsSync(join(ROOT, path));
    });
    expect(broken).toEqual([]);
  });
});

it('the playground page exists under the name the links expect', () => {
  expect(existsSync(join(ROOT, 'docs/playground/page.html'))).toBe(true);
  expect(readFileSync(new URL('../scripts/build.mjs', import.meta.url), 'utf8')).toContain("join(outDir, 'index.html')");
});
