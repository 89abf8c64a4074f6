import { IpamError } from '@ipam/core';
import { describe, expect, it } from 'vitest';
import { ClusterError } from './index.js';

describe('ClusterError', () => {
  it('carries a stable code, the key and the cause', () => {
    const cause = new Error('socket hang up');
    const e = new ClusterError('ERR_STORE_OUTCOME_UNKNOWN', 'EtcdStore.create("/ipam/x"): no reply', { key: '/ipam/x', cause });
    expect([e.code, e.key, e.cause, e.name]).toEqual(['ERR_STORE_OUTCOME_UNKNOWN', '/ipam/x', cause, 'ClusterError']);
    expect(e).toBeInstanceOf(IpamError);
  });

  it('isInstance recognises cluster and store codes only, also from another copy of the class', () => {
    expect(ClusterError.isInstance(new ClusterError('ERR_CLUSTER_POOL_EXHAUSTED', 'full'))).toBe(true);
    expect(ClusterError.isInstance(new IpamError('ERR_PARSE', 'not ours'))).toBe(false);
    expect(ClusterError.isInstance(new Error('plain'))).toBe(false);
    const foreign = Object.assign(new Error('other realm'), { code: 'ERR_STORE_UNAVAILABLE', [Symbol.for('@ipam/error')]: true });
    expect(ClusterError.isInstance(foreign)).toBe(true);
  });
});
