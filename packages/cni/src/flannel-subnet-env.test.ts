import { describe, expect, it } from 'vitest';
import { CniConfigError, parseFlannelSubnetEnv, parseNetworkConfig } from './index.js';

const ENV = 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n';
const CONFLIST = '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}';

describe('parseFlannelSubnetEnv', () => {
  it('reads what flanneld writes, clearing host bits of the subnet', () => {
    const env = parseFlannelSubnetEnv(ENV);
    expect([env.networks.map(String), String(env.subnet), env.mtu, env.ipmasq]).toEqual([['10.244.0.0/16'], '10.244.1.0/24', 1450, true]);
  });

  it.each([
    // no MTU and no masquerade flag
    ['FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n', 'ERR_CNI_MISSING_FIELD', '', undefined],
    // a subnet that is not a CIDR
    ['FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n', 'ERR_CNI_INVALID_CIDR', 'FLANNEL_SUBNET', 2],
    // an MTU that is not a number
    ['FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=big\nFLANNEL_IPMASQ=true\n', 'ERR_CNI_INVALID_VALUE', 'FLANNEL_MTU', 3],
  ])('rejects %j', (text, code, path, line) => {
    let e: unknown;
    try {
      parseFlannelSubnetEnv(text, { filename: 'subnet.env' });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(CniConfigError);
    expect([(e as CniConfigError).code, (e as CniConfigError).path, (e as CniConfigError).line]).toEqual([code, path, line]);
  });
});

describe('the flannel plugin with subnet.env', () => {
  it('derives the host-local section flannel hands its delegate', () => {
    const r = parseNetworkConfig(CONFLIST, { filename: '10-flannel.conflist' }).ranges({ flannel: parseFlannelSubnetEnv(ENV) });
    expect([r.ipv4.toString(), r.gateways.map(String), r.routes.map((x) => String(x.dst)), r.delegated]).toEqual([
      '10.244.1.2-10.244.1.254',
      ['10.244.1.1'],
      ['10.244.0.0/16'],
      false,
    ]);
  });

  it('is delegated without it', () => {
    expect(parseNetworkConfig(CONFLIST).ranges().delegatedTo).toEqual(['flannel']);
  });

  it('handles dual-stack subnet.env', () => {
    const env = parseFlannelSubnetEnv(`${ENV}FLANNEL_IPV6_NETWORK=fd00:10:244::/56\nFLANNEL_IPV6_SUBNET=fd00:10:244:1::1/64\n`);
    const r = parseNetworkConfig(CONFLIST).ranges({ flannel: env });
    expect(r.ipv6.toString()).toBe('fd00:10:244:1::2-fd00:10:244:1:ffff:ffff:ffff:ffff');
  });
});
