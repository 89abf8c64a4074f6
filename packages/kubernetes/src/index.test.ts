import { describe, expect, it } from 'vitest';
import { KUBERNETES_PACKAGE } from './index.js';
import pkg from '../package.json' with { type: 'json' };

describe('KUBERNETES_PACKAGE', () => {
  it('matches the package name', () => {
    expect(KUBERNETES_PACKAGE).toBe(pkg.name);
  });
});
