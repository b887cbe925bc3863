/** IPv4 integer math and Calico's selector language. */
import { describe, expect, it } from 'vitest';
import { cidrsOverlap, formatIpv4, parseCidr, parseIpv4 } from '../../src/core/net/index.js';
import { matches, parseSelector } from '../../src/core/selector/index.js';

describe('IPv4', () => {
  it('round-trips addresses through unsigned integers', () => {
    for (const text of ['0.0.0.0', '10.0.1.11', '192.168.255.255', '255.255.255.255'])
      expect(formatIpv4(parseIpv4(text) as number)).toBe(text);
    expect(parseIpv4('256.1.1.1')).toBeNull();
    expect(parseIpv4('1.2.3')).toBeNull();
    expect(parseIpv4('01.2.3.4x')).toBeNull();
  });

  it('refuses prefixes with host bits set and suggests the network', () => {
    expect(parseCidr('192.168.1.5/24')).toEqual({
      ok: false,
      reason: '"192.168.1.5/24" is not a network address: host bits are set (did you mean 192.168.1.0/24?)',
    });
    const a = parseCidr('192.168.0.0/16');
    const b = parseCidr('192.168.128.0/17');
    const c = parseCidr('10.0.0.0/8');
    expect(a.ok && b.ok && c.ok && cidrsOverlap(a.value, b.value) && !cidrsOverlap(a.value, c.value)).toBe(true);
  });
});

describe('Calico selectors', () => {
  const labels = { rack: 'r1', 'route-reflector': 'true', zone: 'eu-west-1a' };
  it.each([
    ['all()', true],
    ['', true],
    ["rack == 'r1'", true],
    ["rack != 'r1'", false],
    ['has(route-reflector)', true],
    ['!has(gpu)', true],
    ["rack in {'r1', 'r2'}", true],
    ["rack not in {'r1'}", false],
    ["zone starts with 'eu-'", true],
    ["zone ends with '1b'", false],
    ["zone contains 'west'", true],
    ["rack == 'r2' || route-reflector == 'true'", true],
    ["rack == 'r1' && !(route-reflector == 'true')", false],
  ])('%s selects: %s', (text, expected) => {
    const parsed = parseSelector(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(matches(parsed.selector, labels)).toBe(expected);
  });

  it('locates syntax errors by character', () => {
    expect(parseSelector("rack = 'r1'")).toEqual({ ok: false, offset: 5, reason: 'unexpected character "="' });
    expect(parseSelector("rack == 'r1")).toMatchObject({ ok: false, reason: 'unterminated string' });
    expect(parseSelector("rack == 'r1' &&")).toMatchObject({ ok: false, offset: 15 });
  });
});
