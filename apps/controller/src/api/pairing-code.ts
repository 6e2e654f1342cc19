/**
 * Pairing codes of wall screens: 8 characters from an alphabet without the
 * look-alikes (no 0/O, 1/I/L), shown as `ABCD-EFGH` and accepted in any
 * case, with or without the dash. 31^8 (about 8.5 × 10^11) codes, each valid
 * for minutes and once, behind the failed-authentication throttle.
 */
import { randomInt } from 'node:crypto';

/** The characters of a code. */
export const PAIRING_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Characters in a code (without the dash). */
export const PAIRING_CODE_LENGTH = 8;

/** A new random code, as shown: `ABCD-EFGH`. */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** A code as typed (`abcd efgh`, `ABCD-EFGH`, `abcdefgh`) in its one stored form (`ABCDEFGH`). */
export function normalisePairingCode(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}
