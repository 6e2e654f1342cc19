/**
 * The `Idempotency-Key` of a request that changes something: a random
 * (version 4) UUID. Read from the kernel's random source rather than made by
 * node:crypto, which a `tower` command would load (and compile, some twenty
 * modules of Node's own) for this one call: about 0.1 s of `tower run`'s
 * start in the rig's QEMU guest. Where there is no /dev/urandom (Windows),
 * node:crypto's.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** 16 random bytes from /dev/urandom, or null when it cannot be read. */
function urandom(): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    const bytes = Buffer.alloc(16);
    return readSync(fd, bytes, 0, 16, null) === 16 ? bytes : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A fresh random UUID, e.g. `3b241101-e2bb-4255-8caf-4136c566a962`. */
export function newRequestKey(): string {
  const b = urandom();
  if (b === null) return globalThis.crypto.randomUUID();
  b[6] = ((b[6] as number) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
