/**
 * Runs the code block of docs/guides/lint-cni-configs.md on a temporary directory holding the files the guide
 * describes, and compares what it prints with the guide's output block, so the guide cannot rot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@ipam/core';
import { afterAll, describe, expect, it } from 'vitest';
import * as cni from './index.js';

const GUIDE = fileURLToPath(new URL('../../../docs/guides/lint-cni-configs.md', import.meta.url));

const FILES: Record<string, string> = {
  '05-calico.conflist': `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "mtu": __CNI_MTU__,
      "ipam": { "type": "calico-ipam" }
    }
  ]
}
`,
  '10-bridge.conflist': bridge('10.96.0.10'),
  '20-bridge.conflist': bridge('10.97.0.10'),
};

function bridge(start: string): string {
  return `{
  "cniVersion": "1.0.0",
  "name": "k8s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "10.96.0.0/16", "rangeStart": "${start}" }]]
      }
    }
  ]
}
`;
}

function block(markdown: string, lang: string): string {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(markdown);
  if (m === null) throw new Error(`no ${lang} block in the guide`);
  return m[1]!;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('docs/guides/lint-cni-configs.md', () => {
  it('its lint script prints what the guide says', async () => {
    const guide = readFileSync(GUIDE, 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'cni-guide-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

    const code = block(guide, 'ts');
    const imports = /^import \{([^}]*)\} from '(@ipam\/core|@ipam\/cni)';$/gm;
    const bindings: Record<string, unknown> = {};
    for (const [, names, from] of code.matchAll(imports)) {
      for (const n of names!.split(',').map((s) => s.trim())) bindings[n] = (from === '@ipam/core' ? core : cni)[n as never];
    }
    const body = code.replace(imports, '').replace("'/etc/cni/net.d'", JSON.stringify(dir));
    const lines: string[] = [];
    const proc = { exitCode: undefined as number | undefined };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction(...Object.keys(bindings), 'console', 'process', body)(...Object.values(bindings), { log: (s: string) => lines.push(s) }, proc);

    expect(lines.join('\n') + '\n').toBe(block(guide, 'text').replaceAll('<dir>', dir));
    expect(proc.exitCode).toBe(1);
  });
});
