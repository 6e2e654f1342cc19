import { describe, expect, it } from 'vitest';
import { ConnectionCap, tokenKey } from '../../src/feed/connection-cap.js';
import { SocketRateLimit } from '../../src/feed/socket-rate-limit.js';
import { TokenBucket } from '../../src/feed/token-bucket.js';

describe('TokenBucket', () => {
  it('gives its capacity at once, then perSecond tokens a second', () => {
    let now = 0;
    const b = new TokenBucket(3, 2, () => now);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    now = 499;
    expect(b.take()).toBe(false);
    now = 500;
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    now = 100_000; // refills to the capacity, no more
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
  });
});

describe('SocketRateLimit', () => {
  it('handles a burst, drops the excess, and closes past the hard limit for good', () => {
    let now = 0;
    const limit = new SocketRateLimit({ burst: 2, perSecond: 1, hardBurst: 5, hardPerSecond: 2 }, () => now);
    expect(Array.from({ length: 6 }, () => limit.verdict())).toEqual(['handle', 'handle', 'drop', 'drop', 'drop', 'close']);
    expect(limit.dropped).toBe(3);
    now = 60_000;
    expect(limit.verdict()).toBe('close');
  });

  it('never closes a client that keeps within the hard rate, and handles perSecond of its events', () => {
    let now = 0;
    const limit = new SocketRateLimit({ burst: 10, perSecond: 2, hardBurst: 100, hardPerSecond: 10 }, () => now);
    const seen = { handle: 0, drop: 0, close: 0 };
    // 10 events a second for a minute.
    for (let i = 0; i < 600; i++) {
      now = i * 100;
      seen[limit.verdict()]++;
    }
    expect(seen.close).toBe(0);
    expect(seen.handle).toBeGreaterThanOrEqual(10 + 2 * 59);
    expect(seen.handle).toBeLessThanOrEqual(10 + 2 * 60 + 1);
  });
});

describe('ConnectionCap', () => {
  it('admits up to the limit per key, and a release (once) makes room', () => {
    const cap = new ConnectionCap(2);
    const a1 = cap.admit('a');
    const a2 = cap.admit('a');
    expect(a1).not.toBeNull();
    expect(a2).not.toBeNull();
    expect(cap.admit('a')).toBeNull();
    expect(cap.admit('b')).not.toBeNull();
    a1?.();
    a1?.();
    expect(cap.count('a')).toBe(1);
    expect(cap.admit('a')).not.toBeNull();
    expect(cap.admit('a')).toBeNull();
  });

  it('keys tokens by digest, not by the token', () => {
    expect(tokenKey('secret')).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenKey('secret')).not.toContain('secret');
    expect(tokenKey('secret')).not.toBe(tokenKey('secret2'));
  });
});
