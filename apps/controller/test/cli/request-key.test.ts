/**
 * The Idempotency-Key the CLI makes for a changing request (request-key.ts):
 * a random version 4 UUID read from /dev/urandom, a new one at each call.
 */
import { describe, expect, it } from 'vitest';
import { newRequestKey } from '../../src/cli/request-key.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestKey', () => {
  it('is a version 4 UUID (RFC 4122 variant), a different one at each call', () => {
    const keys = Array.from({ length: 2000 }, () => newRequestKey());
    for (const k of keys) expect(k).toMatch(V4);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('uses every hex digit of its random fields', () => {
    // 2000 keys × 30 random digits: a digit never seen in a field would say the bytes are not random (or not hex-formatted right).
    const digits = new Set(Array.from({ length: 2000 }, () => newRequestKey().replace(/-/g, '')).join(''));
    expect([...digits].sort().join('')).toBe('0123456789abcdef');
  });
});
