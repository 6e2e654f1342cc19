/**
 * API tokens when the configuration names none: an operator and a viewer
 * token generated on the first start and kept in `<dataDir>/tokens.json`
 * (mode 0600), so they survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import { TokenSchema } from './config-schema.js';
import { ConfigError } from './tower-config.js';
import type { TokenEntry, TowerConfig } from './tower-config.js';

/** File name of the generated tokens inside the data folder. */
export const TOKENS_FILE = 'tokens.json';

/** The tokens to serve with, and where they came from. */
export interface TokenSet {
  readonly tokens: readonly TokenEntry[];
  /** `config`: file or environment; `stored`: read from tokens.json; `generated`: just created (print them once). */
  readonly source: 'config' | 'stored' | 'generated';
  /** tokens.json, for `stored` and `generated`. */
  readonly file: string | null;
}

/** The configured tokens, else the stored ones, else new ones written to `<dataDir>/tokens.json`. */
export async function ensureTokens(config: Pick<TowerConfig, 'tokens' | 'dataDir'>): Promise<TokenSet> {
  if (config.tokens.length > 0) return { tokens: config.tokens, source: 'config', file: null };
  const file = path.join(config.dataDir, TOKENS_FILE);
  const stored = await readTokens(file);
  if (stored !== null) return { tokens: stored, source: 'stored', file };
  const tokens: TokenEntry[] = [
    { token: newToken(), name: 'operator', role: 'operator' },
    { token: newToken(), name: 'viewer', role: 'viewer' },
  ];
  await mkdir(config.dataDir, { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return { tokens, source: 'generated', file };
}

async function readTokens(file: string): Promise<TokenEntry[] | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError('', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('', `${file} is not valid JSON: fix it or delete it to generate new tokens`);
  }
  const schema = Type.Array(TokenSchema, { minItems: 1 });
  if (!Value.Check(schema, value)) {
    throw new ConfigError('', `${file} does not hold a list of {token, name, role}: fix it or delete it to generate new tokens`);
  }
  return value;
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}
