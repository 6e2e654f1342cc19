/**
 * The `metrics` section of tower.json: the Prometheus endpoint `GET /metrics`.
 *
 * ```json
 * "metrics": { "enabled": true, "token": "a-long-random-scrape-token" }
 * ```
 * `enabled` defaults to true. With a `token` (or `TOWER_METRICS_TOKEN`,
 * which wins), a scrape must send `Authorization: Bearer <token>`; without
 * one, `/metrics` answers anyone who can reach the controller. The metrics
 * token is not an API token, and an API token does not open `/metrics`.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ConfigError } from './config-error.js';

/** What a token may be made of (the API tokens' alphabet and length). */
const TOKEN_PATTERN = '^[A-Za-z0-9._~+/=-]{16,200}$';

export const MetricsConfigSchema = Type.Object({
  /** Serve `GET /metrics`. Default true. */
  enabled: Type.Optional(Type.Boolean()),
  /** The bearer token a scrape must send; left out: none needed. */
  token: Type.Optional(Type.String({ minLength: 16, maxLength: 200, pattern: TOKEN_PATTERN })),
}, { additionalProperties: false });

export type MetricsConfigFile = Static<typeof MetricsConfigSchema>;

/** The resolved `metrics` section. */
export interface MetricsConfig {
  readonly enabled: boolean;
  /** The scrape token; null: none needed. */
  readonly token: string | null;
}

/**
 * Fill in the defaults and check what the schema cannot: `envToken`
 * (`TOWER_METRICS_TOKEN`) has the form of a token, and the metrics token is
 * none of the API tokens (`apiTokens`), so handing it to whoever runs
 * Prometheus never opens the API. Throws `ConfigError` naming the field.
 */
export function resolveMetrics(file: MetricsConfigFile | undefined, envToken: string | undefined, apiTokens: readonly string[]): MetricsConfig {
  if (envToken !== undefined && !new RegExp(TOKEN_PATTERN).test(envToken)) {
    throw new ConfigError('TOWER_METRICS_TOKEN', 'a token is 16..200 characters of letters, digits and . _ ~ + / = -');
  }
  const token = envToken ?? file?.token ?? null;
  if (token !== null && apiTokens.includes(token)) {
    throw new ConfigError(envToken === undefined ? 'metrics.token' : 'TOWER_METRICS_TOKEN', 'the metrics token must not be one of the API tokens: give Prometheus a token of its own');
  }
  return { enabled: file?.enabled ?? true, token };
}
