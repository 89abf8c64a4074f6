/**
 * Runs the code blocks of docs/guides/audit-a-cluster.md, in order and as one ES module (they build on each other),
 * the way a reader would: against the built package, in a directory holding the example cluster's dump as `dump.txt`,
 * with `KUBECONFIG` pointing at a context `prod` served by a real HTTPS server on loopback that answers the list
 * calls with the same cluster's objects (test/fake-apiserver.ts says why no kube-apiserver can run here). What each
 * block prints must equal the `text` block that follows it in the guide, so the guide cannot rot.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listsOfDump, startFakeApiServer, type FakeApiServer } from '../test/fake-apiserver.js';
import { writeKubeconfig } from '../test/kubeconfig.js';
import { makeTestPki } from '../test/test-pki.js';

const GUIDE = readFileSync(new URL('../../../docs/guides/audit-a-cluster.md', import.meta.url), 'utf8');
const DUMP = fileURLToPath(new URL('../../../examples/example-cluster/cluster-info-dump.txt', import.meta.url));
const MARK = '----8<---- next block ----8<----';


let dir: string;
let server: FakeApiServer;
let moduleFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipam-audit-guide-'));
  const pki = makeTestPki(dir);
  server = await startFakeApiServer({ pki, lists: listsOfDump(readFileSync(DUMP, 'utf8')), tokens: { 'prod-token': 'sre' } });
  writeKubeconfig(dir, 'kubeconfig', [{ context: 'prod', server: server.url, caCert: pki.caCert, token: 'prod-token' }], 'prod');
  copyFileSync(DUMP, join(dir, 'dump.txt'));
  // Section 5: a Calico cluster's objects, from the plugin fixtures (their sources are noted in the files).
  copyFileSync(new URL('../test/fixtures/plugins/calico/ippools-crd.json', import.meta.url), join(dir, 'calico-ippools.json'));
  copyFileSync(new URL('../test/fixtures/plugins/calico/ipam.yaml', import.meta.url), join(dir, 'calico-ipam.yaml'));
});

afterAll(async () => {
  await server?.close();
  if (moduleFile !== undefined) rmSync(moduleFile, { force: true });
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('docs/guides/audit-a-cluster.md', () => {
  const code = [...GUIDE.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const text = [...GUIDE.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('has a printed output after every code block', () => {
    expect(code.length).toBe(5);
    expect(text.length).toBe(code.length);
  });

  it('prints what the guide says, block by block', async () => {
    const imports = code.flatMap((c) => c.split('\n').filter((l) => l.startsWith('import ')));
    const bodies = code.map((c) => c.split('\n').filter((l) => !l.startsWith('import ')).join('\n'));
    const module = [...imports, ...bodies.flatMap((b, i) => (i === 0 ? [b] : [`console.log(${JSON.stringify(MARK)});`, b]))].join('\n');
    // In the package directory, so that `@ipam/kubernetes` resolves to this package's build.
    moduleFile = fileURLToPath(new URL(`../.readme-audit-guide-${process.pid}.mjs`, import.meta.url));
    writeFileSync(moduleFile, module);
    const { stdout } = await promisify(execFile)(process.execPath, [moduleFile], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const printed = stdout.split(`${MARK}\n`);
    if (process.env['UPDATE_GUIDE'] === '1') {
      // UPDATE_GUIDE=1 npx vitest run src/audit-guide.test.ts writes what the blocks print into the guide; review the diff.
      let i = 0;
      const updated = GUIDE.replace(/```text\n[\s\S]*?```/g, () => `\`\`\`text\n${printed[i++] ?? ''}\`\`\``);
      writeFileSync(new URL('../../../docs/guides/audit-a-cluster.md', import.meta.url), updated);
    }
    expect(printed).toEqual(text);
    // The live block really went to the API server, as user `sre` of context prod.
    expect(new Set(server.requests.map((r) => `${r.user} ${r.path}`))).toContain('sre /api/v1/pods');
  });
});
