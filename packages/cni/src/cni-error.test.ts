import { IpamError, ParseError } from '@ipam/core';
import { describe, expect, it } from 'vitest';
import { CNI_ERROR_CODES, CniError } from './index.js';

describe('CniError', () => {
  it('maps stable codes to the numbers of the CNI spec, the STATUS codes of 1.1 included', () => {
    expect(new CniError('ERR_CNI_TRY_AGAIN_LATER', 'etcd is unavailable').toJSON()).toEqual({ code: 11, msg: 'etcd is unavailable' });
    expect(new CniError(50, 'no etcd').code).toBe('ERR_CNI_PLUGIN_NOT_AVAILABLE');
    expect(new CniError(51, 'no etcd').code).toBe('ERR_CNI_PLUGIN_NOT_AVAILABLE_LIMITED_CONNECTIVITY');
    expect(CNI_ERROR_CODES.ERR_CNI_PLUGIN_NOT_AVAILABLE).toBe(50);
    expect(new CniError(101, 'pool corrupt', 'key /ipam/x').toJSON()).toEqual({ code: 101, msg: 'pool corrupt', details: 'key /ipam/x' });
    expect(() => new CniError(42, 'reserved')).toThrow(RangeError);
  });

  it('isInstance is true for CniErrors only, not for every IpamError', () => {
    expect(CniError.isInstance(new CniError('ERR_CNI_INTERNAL', 'boom'))).toBe(true);
    expect(CniError.isInstance(new ParseError('Addr.parse', 'x', 'unable to parse IP'))).toBe(false);
    expect(CniError.isInstance(new IpamError('ERR_SOMETHING', 'other'))).toBe(false);
    expect(CniError.isInstance(new Error('plain'))).toBe(false);
    // A CniError from another copy of the package: the marker and the fields, not the class.
    const foreign = Object.assign(new Error('x'), { code: 'ERR_CNI_PLUGIN', cniCode: 100, msg: 'x', details: '', [Symbol.for('@ipam/error')]: true });
    expect(CniError.isInstance(foreign)).toBe(true);
  });
});
