/**
 * The controller's base URL as the CLI is given it (`--url`, `TOWER_URL`).
 */
import { UsageError } from './cli-output.js';

/** Check a base URL; throws a `UsageError` naming `--url` when it is not http(s). */
export function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:8080, got '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:8080, got '${url}'`);
  }
  return parsed;
}
