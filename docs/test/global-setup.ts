/**
 * Bundles the playground once for the whole run, into a fresh temporary directory (never a stale docs/site/), and
 * hands its path to the tests as `inject('playgroundDir')`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildPlayground } from '../scripts/build.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    playgroundDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'ipam-docs-site-'));
  await buildPlayground(join(dir, 'playground'));
  project.provide('playgroundDir', join(dir, 'playground'));
  return () => rmSync(dir, { recursive: true, force: true });
}
