// Runs every package's tests through turbo, then adds up the vitest JSON reports
// (packages/*/test-results/vitest.json, restored by turbo on a cache hit) and
// prints `N passed, N failed, N skipped` as the very last line. Exits non-zero if
// turbo failed, a test or a test file failed, or a package wrote no report.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const REPORT = join('test-results', 'vitest.json');

// Workspace packages (pnpm-workspace.yaml: packages/*, bench, docs) that have a test script.
const dirs = [
  ...readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join('packages', d.name)),
  'bench',
  'docs',
].filter((dir) => {
  const file = join(root, dir, 'package.json');
  return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).scripts?.test;
});

// A stale report must never stand in for a run that wrote none.
for (const dir of dirs) rmSync(join(root, dir, REPORT), { force: true });

const turbo = spawnSync(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'test', '--continue=dependencies-successful', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
if (turbo.error) problems.push(`could not run turbo: ${turbo.error.message}`);
else if (turbo.status !== 0) problems.push(`turbo run test exited with ${turbo.status ?? turbo.signal}`);

for (const dir of dirs) {
  const file = join(root, dir, REPORT);
  if (!existsSync(file)) {
    problems.push(`${dir}: no test report (${REPORT}); its tests did not run`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A test file that fails to load (syntax error, bad import, error at top level)
  // has no test results of its own: count it as one failure.
  for (const suite of report.testResults) {
    if (suite.status === 'failed' && !suite.assertionResults.some((t) => t.status === 'failed')) {
      failed += 1;
      problems.push(`${dir}: ${suite.name.replace(root + '/', '')} failed to run: ${(suite.message || 'unknown error').split('\n')[0]}`);
    }
  }
}
if (passed + failed === 0) problems.push('no tests ran');

for (const p of problems) console.log(`test: ${p}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = problems.length > 0 || failed > 0 ? 1 : 0;
