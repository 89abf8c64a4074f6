// Builds the docs site into docs/site/: typedoc (root typedoc.json: every package's API reference merged into
// one site, the guides as documents, validation warnings as errors) and the playground bundle in site/playground/.
// `pnpm run docs` runs it after building the packages. `node docs/scripts/build.mjs --playground-only DIR`
// bundles only the playground into DIR (the browser test's global setup).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const docs = fileURLToPath(new URL('..', import.meta.url));
const root = join(docs, '..');
const SITE = join(docs, 'site');

/**
 * buildPlayground bundles docs/playground/main.ts with @ipam/core into one classic script (an IIFE, so that the
 * page also works from file://, where browsers refuse module scripts) and copies the page and its style.
 * @param {string} outDir
 */
export async function buildPlayground(outDir) {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(docs, 'playground', 'main.ts')],
    outfile: join(outDir, 'playground.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
  // The page is page.html in the sources and index.html in the site: a link to playground/index.html in a guide
  // then names no source file, so typedoc leaves it alone instead of copying the bare page into media/.
  copyFileSync(join(docs, 'playground', 'page.html'), join(outDir, 'index.html'));
  copyFileSync(join(docs, 'playground', 'playground.css'), join(outDir, 'playground.css'));
}

/** buildSite runs typedoc (which empties site/ first) and then bundles the playground into site/playground/. */
export async function buildSite() {
  const typedoc = spawnSync(join(root, 'node_modules', '.bin', 'typedoc'), ['--options', join(root, 'typedoc.json')], { cwd: root, stdio: 'inherit' });
  if (typedoc.error) throw typedoc.error;
  if (typedoc.status !== 0) throw new Error(`typedoc failed (exit ${typedoc.status}): see its errors above`);
  await buildPlayground(join(SITE, 'playground'));
  console.log(`docs site: ${SITE}/index.html (API reference and guides), ${SITE}/playground/index.html; serve it with \`pnpm run docs:serve\``);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const i = process.argv.indexOf('--playground-only');
    if (i >= 0) await buildPlayground(resolve(process.argv[i + 1] ?? join(SITE, 'playground')));
    else await buildSite();
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  }
}
