/**
 * Where the `tower` CLI finds its controller: `--url`/`--token` (or `--token-file`) win,
 * then the `TOWER_URL`/`TOWER_TOKEN` environment variables, then the default
 * URL. The only CLI module that reads the environment.
 */

/** Controller address used when neither `--url` nor `TOWER_URL` is given. */
export const DEFAULT_CONTROLLER_URL = 'http://127.0.0.1:8080';

/** The environment variables the CLI reads. */
export interface CliEnv {
  readonly TOWER_URL?: string | undefined;
  readonly TOWER_TOKEN?: string | undefined;
}

/** The process environment, narrowed to what the CLI reads. */
export function processCliEnv(): CliEnv {
  return { TOWER_URL: process.env.TOWER_URL, TOWER_TOKEN: process.env.TOWER_TOKEN };
}

/** Connection settings after options and environment are merged. */
export interface ConnectionSettings {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Bearer token, or undefined when none was given. */
  readonly token: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** Merge `--url`/`--token` with the environment (options win). Does not validate. */
export function connectionSettings(options: { url?: string | undefined; token?: string | undefined }, env: CliEnv): ConnectionSettings {
  const url = nonEmpty(options.url) ?? nonEmpty(env.TOWER_URL) ?? DEFAULT_CONTROLLER_URL;
  return { url: url.replace(/\/+$/, ''), token: nonEmpty(options.token) ?? nonEmpty(env.TOWER_TOKEN) };
}
