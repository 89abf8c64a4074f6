import { Prefix } from '@ipam/core';
import { describe, expect, it } from 'vitest';
import { type Arg, nodeMaskSizes, parseFlags, parseGoBool, programOf } from './flags.js';

const args = (...words: string[]): Arg[] => words.map((text, i) => ({ text, path: `command[${i}]` }));

describe('parseFlags', () => {
  it('reads --flag=value and --flag value for the network flags, and a bare bool flag as true', () => {
    const flags = parseFlags(args('--cluster-cidr', '10.244.0.0/16', '--allocate-node-cidrs', '--node-cidr-mask-size=26', '--v=2'));
    expect(Object.fromEntries(flags)).toEqual({
      'cluster-cidr': { value: '10.244.0.0/16', path: 'command[0]' },
      'allocate-node-cidrs': { value: 'true', path: 'command[2]' },
      'node-cidr-mask-size': { value: '26', path: 'command[3]' },
    });
  });

  it('keeps the last occurrence, as pflag does', () => {
    expect(parseFlags(args('--cluster-cidr=10.0.0.0/8', '--cluster-cidr=10.244.0.0/16')).get('cluster-cidr')).toEqual({
      value: '10.244.0.0/16',
      path: 'command[1]',
    });
  });

  it('stops at --, and passes over unknown flags and positional words', () => {
    const flags = parseFlags(args('kube-proxy', '--config=/x', '--foo', 'bar', '--', '--cluster-cidr=10.0.0.0/8'));
    expect(flags.size).toBe(0);
  });

  it('does not read a value past the end of the command line', () => {
    expect(parseFlags(args('--cluster-cidr')).size).toBe(0);
  });
});

describe('parseGoBool', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['1', true],
    ['t', true],
    ['FALSE', false],
    ['0', false],
    ['f', false],
    // Go's ParseBool knows no yes/no.
    ['yes', undefined],
    ['', undefined],
  ])('%j is %j', (s, v) => expect(parseGoBool(s)).toBe(v));
});

describe('nodeMaskSizes (kube-controller-manager setNodeCIDRMaskSizes)', () => {
  const v4 = [Prefix.parse('10.244.0.0/16')];
  const v6 = [Prefix.parse('fd00:10:244::/56')];
  const dual = [...v4, ...v6];
  it.each([
    ['no flag set: the defaults apply', v4, {}, undefined],
    ['single-stack IPv4, --node-cidr-mask-size', v4, { size: 26 }, { ipv4: 26 }],
    ['single-stack IPv6, --node-cidr-mask-size', v6, { size: 80 }, { ipv6: 80 }],
    ['single-stack IPv4, --node-cidr-mask-size-ipv4', v4, { ipv4: 25 }, { ipv4: 25 }],
    ['single-stack IPv6, --node-cidr-mask-size-ipv6', v6, { ipv6: 72 }, { ipv6: 72 }],
    ['dual-stack, per-family flags', dual, { ipv4: 25, ipv6: 72 }, { ipv4: 25, ipv6: 72 }],
    ['dual-stack, one per-family flag', dual, { ipv6: 72 }, { ipv6: 72 }],
    ['dual-stack refuses --node-cidr-mask-size', dual, { size: 24 }, { error: 'usage of --node-cidr-mask-size is not allowed with dual-stack clusters' }],
    [
      'single-stack refuses the plain flag with a per-family flag',
      v4,
      { size: 24, ipv4: 24 },
      { error: 'usage of --node-cidr-mask-size-ipv4 and --node-cidr-mask-size-ipv6 is not allowed if --node-cidr-mask-size is set' },
    ],
    ['single-stack IPv6 refuses the IPv4 flag', v6, { ipv4: 24 }, { error: 'usage of --node-cidr-mask-size-ipv4 is not allowed for a single-stack IPv6 cluster' }],
    ['single-stack IPv4 refuses the IPv6 flag', v4, { ipv6: 64 }, { error: 'usage of --node-cidr-mask-size-ipv6 is not allowed for a single-stack IPv4 cluster' }],
    ['no cluster CIDR known: the plain flag for both families', undefined, { size: 26 }, { ipv4: 26, ipv6: 26 }],
    ['0 means not set', v4, { size: 0, ipv4: 0 }, undefined],
  ])('%s', (_, cidrs, flags, expected) => {
    expect(nodeMaskSizes(cidrs, flags)).toEqual(expected);
  });
});

describe('programOf', () => {
  it.each([
    [['kube-controller-manager', '--v=2'], 'x', undefined, 'kube-controller-manager', 1],
    [['/usr/local/bin/kube-proxy'], 'kube-proxy', undefined, 'kube-proxy', 1],
    [['/hyperkube', 'kube-apiserver'], 'apiserver', undefined, 'kube-apiserver', 2],
    [[], 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.30.0', 'kube-proxy', 0],
    [[], '', 'registry.k8s.io/kube-proxy:v1.30.0', 'kube-proxy', 0],
  ])('%j in container %j (%j) runs %j', (command, name, image, program, skip) => {
    expect(programOf(command, name, image)).toEqual({ program, skip });
  });
});
