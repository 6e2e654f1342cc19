/**
 * Wall screens and their tokens. An operator makes a pairing code for a
 * named screen; the screen's page trades the code, once and within
 * {@link SCREEN_PAIRING_TTL_MS}, for a screen token of its own (role
 * viewer), which it keeps in the browser's storage. A screen is revoked by
 * its id: its token stops working at once, on the API and on the feed.
 *
 * In Redis (keys of `RedisSchema`): a sorted set of screen ids, a hash per
 * screen, and for a pending screen its code's key, which expires with the
 * code. Codes and tokens are kept only as SHA-256 digests. Every controller
 * keeps the digests of the paired screens' tokens in memory, loaded at start
 * and kept current through a pub/sub channel, so a token is checked without
 * a Redis round trip, as the configured tokens are.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { ScreenClaim, ScreenPairing, ScreenView } from '../shared/api-types.js';
import type { Principal, TokenSource } from './auth.js';
import type { RedisSchema } from '@tower/jobs';
import { newPairingCode, normalisePairingCode } from './pairing-code.js';

/** How long a pairing code can be used: 10 minutes. */
export const SCREEN_PAIRING_TTL_MS = 10 * 60_000;

/** Principal names of screen tokens start with this (`screen:wall-1`), for the audit log. */
export const SCREEN_PRINCIPAL_PREFIX = 'screen:';

/**
 * Claim a pairing code, atomically: the code's key must still name the
 * screen (it is deleted: single use), and the screen must still be pending
 * and unexpired; then the screen becomes paired with the token's digest.
 * KEYS: code key, screen key. ARGV: screen id, now (ms), token SHA-256.
 * Returns the screen's name, or 0.
 */
const CLAIM_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('HGET', KEYS[2], 'status') ~= 'pending' then return 0 end
local expires = tonumber(redis.call('HGET', KEYS[2], 'expiresAt'))
if expires == nil or expires <= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], 'status', 'paired', 'pairedAt', ARGV[2], 'tokenSha256', ARGV[3], 'expiresAt', '', 'codeSha256', '')
redis.call('PERSIST', KEYS[2])
return redis.call('HGET', KEYS[2], 'name')
`;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** What a {@link ScreenRegistry} works with. */
export interface ScreenRegistryDeps {
  readonly redis: Redis;
  readonly keys: RedisSchema;
  /** Clock (epoch ms). */
  readonly now: () => number;
  /** How long a pairing code can be used. Default {@link SCREEN_PAIRING_TTL_MS}. */
  readonly pairingTtlMs?: number;
}

/** A screen's hash in Redis. */
type ScreenHash = Record<string, string>;

function viewOf(h: ScreenHash): ScreenView | null {
  if (h.id === undefined || h.name === undefined || (h.status !== 'pending' && h.status !== 'paired')) return null;
  const num = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
  return {
    id: h.id,
    name: h.name,
    status: h.status,
    createdAt: num(h.createdAt) ?? 0,
    createdBy: h.createdBy ?? '',
    expiresAt: h.status === 'pending' ? num(h.expiresAt) : null,
    pairedAt: num(h.pairedAt),
  };
}

/** The wall screens: pairing, claiming, listing, revoking, and their tokens for the auth layer. */
export class ScreenRegistry implements TokenSource {
  readonly #redis: Redis;
  readonly #keys: RedisSchema;
  readonly #now: () => number;
  readonly #ttlMs: number;
  /** Token digest (hex) → the screen's principal. */
  readonly #byToken = new Map<string, Principal & { readonly screenId: string }>();
  readonly #events = new EventEmitter();

  constructor(deps: ScreenRegistryDeps) {
    this.#redis = deps.redis;
    this.#keys = deps.keys;
    this.#now = deps.now;
    this.#ttlMs = deps.pairingTtlMs ?? SCREEN_PAIRING_TTL_MS;
  }

  /** Read the paired screens' token digests from Redis (at start). */
  async load(): Promise<void> {
    const hashes = await this.#readAll();
    this.#byToken.clear();
    for (const h of hashes) this.#remember(h);
  }

  /** The principal of a token by its SHA-256 digest, when it is a paired screen's (see `TokenTable`). */
  lookup(digest: Buffer): Principal | null {
    return this.#byToken.get(digest.toString('hex')) ?? null;
  }

  /** Call `listener` with the id of every screen revoked from now on (here or on another controller). */
  onRevoked(listener: (screenId: string) => void): () => void {
    this.#events.on('revoked', listener);
    return () => this.#events.off('revoked', listener);
  }

  /** A new pending screen and its pairing code (shown once: only its digest is kept). */
  async createPairing(name: string, createdBy: string): Promise<ScreenPairing> {
    const id = `scr-${randomBytes(5).toString('hex')}`;
    const code = newPairingCode();
    const codeSha256 = sha256(normalisePairingCode(code));
    const createdAt = this.#now();
    const expiresAt = createdAt + this.#ttlMs;
    const key = this.#keys.screen(id);
    await this.#redis.multi()
      .hset(key, { id, name, status: 'pending', createdAt: String(createdAt), createdBy, expiresAt: String(expiresAt), codeSha256 })
      .pexpire(key, this.#ttlMs)
      .zadd(this.#keys.screens(), createdAt, id)
      .set(this.#keys.screenCode(codeSha256), id, 'PX', this.#ttlMs)
      .exec();
    return { screen: { id, name, status: 'pending', createdAt, createdBy, expiresAt, pairedAt: null }, code, expiresAt };
  }

  /**
   * Trade a pairing code for a new screen token. Null when the code is
   * unknown, expired, already used or its screen revoked (one answer for
   * all, so a guesser learns nothing).
   */
  async claim(typedCode: string): Promise<ScreenClaim | null> {
    const codeKey = this.#keys.screenCode(sha256(normalisePairingCode(typedCode)));
    const id = await this.#redis.get(codeKey);
    if (id === null) return null;
    const token = randomBytes(32).toString('base64url');
    const tokenSha256 = sha256(token);
    const name = await this.#redis.eval(CLAIM_SCRIPT, 2, codeKey, this.#keys.screen(id), id, String(this.#now()), tokenSha256);
    if (typeof name !== 'string') return null;
    // Remembered as the reply arrives: a revocation sent after the claim finds it.
    this.#remember({ id, name, status: 'paired', tokenSha256 });
    await this.#publish('paired', id);
    return { token, id, name, role: 'viewer' };
  }

  /** Every screen, paired and pending, oldest first. Expired pending screens are dropped. */
  async list(): Promise<ScreenView[]> {
    return (await this.#readAll()).map(viewOf).filter((v): v is ScreenView => v !== null);
  }

  /** Revoke a screen (or cancel its pairing code): its token fails from now on. Null when there is none. */
  async revoke(id: string): Promise<ScreenView | null> {
    const h = await this.#redis.hgetall(this.#keys.screen(id));
    const view = viewOf(h);
    const tx = this.#redis.multi().del(this.#keys.screen(id)).zrem(this.#keys.screens(), id);
    if (h.codeSha256) tx.del(this.#keys.screenCode(h.codeSha256));
    await tx.exec();
    if (view === null) return null;
    this.#forget(id);
    await this.#publish('revoked', id);
    return view;
  }

  /** Apply a message of the screens channel (another controller paired or revoked a screen). */
  async applyMessage(message: string): Promise<void> {
    let parsed: { event?: unknown; id?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (typeof parsed.id !== 'string') return;
    if (parsed.event === 'revoked') this.#forget(parsed.id);
    else if (parsed.event === 'paired') this.#remember(await this.#redis.hgetall(this.#keys.screen(parsed.id)));
  }

  #remember(h: ScreenHash): void {
    if (h.status !== 'paired' || !h.tokenSha256 || !h.id || h.name === undefined) return;
    this.#byToken.set(h.tokenSha256, { name: `${SCREEN_PRINCIPAL_PREFIX}${h.name}`, role: 'viewer', screenId: h.id });
  }

  #forget(id: string): void {
    let found = false;
    for (const [digest, p] of this.#byToken) {
      if (p.screenId === id) {
        this.#byToken.delete(digest);
        found = true;
      }
    }
    if (found) this.#events.emit('revoked', id);
  }

  async #publish(event: 'paired' | 'revoked', id: string): Promise<void> {
    await this.#redis.publish(this.#keys.screensChannel(), JSON.stringify({ event, id }));
  }

  /** Every screen's hash, oldest first; ids whose hash has expired are removed from the set. */
  async #readAll(): Promise<ScreenHash[]> {
    const ids = await this.#redis.zrange(this.#keys.screens(), '0', '-1');
    if (ids.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#keys.screen(id));
    const results = (await pipeline.exec()) ?? [];
    const out: ScreenHash[] = [];
    const gone: string[] = [];
    results.forEach(([err, value], i) => {
      if (err !== null) return;
      const h = value as ScreenHash;
      if (h.id === undefined) gone.push(ids[i] as string);
      else out.push(h);
    });
    if (gone.length > 0) await this.#redis.zrem(this.#keys.screens(), ...gone);
    return out;
  }
}
