// Fails if @ipam/core gains a runtime dependency or imports a Node.js builtin:
// core has zero dependencies and must run in browsers.
//   - packages/core/package.json has non-empty dependencies, peerDependencies
//     or optionalDependencies;
//   - a file in packages/core/src (other than *.test.ts) imports `node:*` or a
//     bare builtin such as 'fs' or 'fs/promises'.
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const core = join(root, 'packages', 'core');
const errors = [];

const pkg = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8'));
for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
  const names = Object.keys(pkg[field] ?? {});
  if (names.length > 0) errors.push(`packages/core/package.json: ${field} must be empty, has ${names.join(', ')}`);
}

const builtins = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);
// import x from 'm' | import 'm' | export { x } from 'm' | import('m') | require('m')
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

const files = readdirSync(join(core, 'src'), { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile() && /\.[cm]?[jt]sx?$/.test(d.name) && !/\.test\.[cm]?[jt]sx?$/.test(d.name))
  .map((d) => join(d.parentPath, d.name));
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    for (const [, , spec] of line.matchAll(IMPORT)) {
      if (isBuiltin(spec)) errors.push(`${relative(root, file)}:${i + 1}: imports Node.js builtin '${spec}'`);
    }
  });
}

for (const e of errors) console.error(`check-core-deps: ${e}`);
if (errors.length > 0) process.exit(1);
console.log(`check-core-deps: ok (no runtime dependencies; no Node.js builtin imported by ${files.length} source files)`);
