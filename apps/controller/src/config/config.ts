/**
 * Configuration: one JSON file (path from `--config` or `TOWER_CONFIG`) plus
 * environment overrides, validated, with every default filled in. This is
 * the only module of the controller that reads `process.env`.
 *
 * Environment overrides: `REDIS_URL`, `TOWER_PORT`, `TOWER_BIND`,
 * `TOWER_DATA_DIR`, `TOWER_LIBRARY_DIR`, `TOWER_OPERATOR_TOKEN`,
 * `TOWER_VIEWER_TOKEN`, `TOWER_METRICS_TOKEN` (the `/metrics` scrape token), `TOWER_AGENT_ID`, `TOWER_REDIS_PREFIX`, `TOWER_METRICS_FILE` (benchmarks). Relative paths in the file are
 * taken from the file's folder; relative paths from the environment and the
 * defaults from the working directory. `TOWER_LOG_LEVEL` sets `log.level`.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_KEY_PREFIX } from '@tower/jobs/protocol';
import type { ValueError } from '@sinclair/typebox/value';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../library/index.js';
import { ConfigFileSchema, LOG_LEVEL_NAMES } from './config-schema.js';
import type { ConfigFile } from './config-schema.js';
import { resolveChangers } from './changer-specs.js';
import { resolveDriveSource } from './drive-specs.js';
import { resolveHotFolders } from './hot-folder-config.js';
import { resolveAlerts } from './alerts-config.js';
import { resolvePrinting } from './printing-config.js';
import { resolveMalwareScan } from './malware-scan-config.js';
import { resolveMetrics } from './metrics-config.js';
import { resolveReports } from './reports-config.js';
import { ConfigError } from './tower-config.js';
import type { TokenEntry, TowerConfig } from './tower-config.js';

export { ConfigError } from './tower-config.js';
export type { DriveSource, DriveSpec, TokenEntry, TowerConfig } from './tower-config.js';

/** Default data folder (relative to the working directory); a service would use `/var/lib/tower`. */
export const DEFAULT_DATA_DIR = './.tower';

/** Where to load the configuration from. */
export interface LoadConfigOptions {
  /** `--config` flag; wins over `TOWER_CONFIG`. */
  readonly file?: string;
  /** Environment; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory for relative paths; default `process.cwd()`. */
  readonly cwd?: string;
}

/** Load, validate and resolve the configuration. Throws `ConfigError` naming the field. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<TowerConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fileArg = options.file ?? nonEmpty(env.TOWER_CONFIG);
  let file: ConfigFile = {};
  let filePath: string | null = null;
  if (fileArg !== undefined) {
    filePath = path.resolve(cwd, fileArg);
    file = parseConfigText(await readConfigFile(filePath), filePath);
  }
  return resolveConfig(file, { env, cwd, filePath });
}

/** Parse and validate the text of a configuration file. Throws `ConfigError`. */
export function parseConfigText(text: string, where = 'the configuration'): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('', `${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('', `${where} must hold a JSON object`);
  const found = Value.Errors(ConfigFileSchema, raw).First();
  if (found !== undefined) {
    const first = deepest(found);
    const field = fieldOf(first.path);
    const value = JSON.stringify(first.value);
    throw new ConfigError(field === '' ? '(top level)' : field, `${messageOf(first)}${value === undefined ? '' : ` (got ${value.slice(0, 80)})`}`);
  }
  return raw as ConfigFile;
}

/** Default cap of an agent's staging cache: a BD DL image and slack. */
const DEFAULT_STAGING_BYTES = 60 * 1000 ** 3;

/** Fill in the defaults of a parsed file and apply the environment. Throws `ConfigError`. */
export function resolveConfig(
  file: ConfigFile,
  context: { env?: Readonly<Record<string, string | undefined>>; cwd?: string; filePath?: string | null } = {},
): TowerConfig {
  const env = context.env ?? {};
  const cwd = context.cwd ?? process.cwd();
  const filePath = context.filePath ?? null;
  const fileDir = filePath === null ? cwd : path.dirname(filePath);
  const fromFile = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(fileDir, p));
  const fromEnv = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(cwd, p));

  const dataDir = fromEnv(nonEmpty(env.TOWER_DATA_DIR)) ?? fromFile(file.dataDir) ?? path.resolve(cwd, DEFAULT_DATA_DIR);
  const redisUrl = nonEmpty(env.REDIS_URL) ?? file.redis?.url ?? null;
  if (redisUrl !== null && !/^rediss?:\/\/\S+$/.test(redisUrl)) throw new ConfigError('REDIS_URL', `'${redisUrl}' is not a redis:// URL`);
  const redisPrefix = nonEmpty(env.TOWER_REDIS_PREFIX) ?? file.redis?.prefix ?? DEFAULT_KEY_PREFIX;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError('TOWER_REDIS_PREFIX', `'${redisPrefix}' is not a Redis prefix (1..64 letters, digits, _ -)`);
  }
  const port = envInt(env, 'TOWER_PORT', 0, 65535) ?? file.http?.port ?? 8080;
  const bind = nonEmpty(env.TOWER_BIND) ?? file.http?.bind ?? '127.0.0.1';
  const heartbeatMs = file.agent?.heartbeatMs ?? 2000;
  const agentId = nonEmpty(env.TOWER_AGENT_ID) ?? file.agent?.id ?? hostAgentId();
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(agentId)) {
    throw new ConfigError('TOWER_AGENT_ID', `'${agentId}' is not an agent id (1..64 letters, digits, _ . -)`);
  }
  const tokens = [...(file.tokens ?? []), ...envTokens(env)];
  const libraryDir = fromEnv(nonEmpty(env.TOWER_LIBRARY_DIR)) ?? fromFile(file.library?.dir) ?? path.join(dataDir, 'library');
  return {
    file: filePath,
    http: { bind, port },
    redisUrl,
    redisPrefix,
    dataDir,
    metricsFile: fromEnv(nonEmpty(env.TOWER_METRICS_FILE)) ?? null,
    log: { level: logLevel(nonEmpty(env.TOWER_LOG_LEVEL), file.log?.level) },
    library: {
      dir: libraryDir,
      importRoots: (file.library?.importRoots ?? []).map((r) => path.resolve(fileDir, r)),
      maxUploadBytes: file.library?.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      sampleImage: file.library?.sampleImage ?? true,
      keepOriginals: file.library?.keepOriginals ?? false,
      malwareScan: resolveMalwareScan(file.library?.malwareScan, fileDir),
      storage: file.library?.storage ?? 'plain',
      cdStorage: file.library?.cdStorage ?? 'plain',
    },
    alerts: resolveAlerts(file.alerts),
    printing: resolvePrinting(file.printing),
    reports: resolveReports(file.reports),
    hotFolders: resolveHotFolders(file.hotFolders, fileDir, { dataDir, libraryDir }),
    tokens,
    metrics: resolveMetrics(file.metrics, nonEmpty(env.TOWER_METRICS_TOKEN), tokens.map((t) => t.token)),
    controller: {
      agentTimeoutMs: file.controller?.agentTimeoutMs ?? 10_000,
      retryBackoffMs: file.controller?.retryBackoffMs ?? 5000,
      demoRunCopies: file.controller?.demoRunCopies ?? 40,
      demoRunRepeats: file.controller?.demoRunRepeats ?? 1000,
    },
    agent: {
      id: agentId,
      quarantineAfter: file.agent?.quarantineAfter ?? 3,
      heartbeatMs,
      heartbeatTtlMs: file.agent?.heartbeatTtlMs ?? 5 * heartbeatMs,
      lockDurationMs: file.agent?.lockDurationMs ?? 30_000,
      pollIntervalMs: file.agent?.pollIntervalMs ?? 1000,
      sameDriveRetryDelayMs: file.agent?.sameDriveRetryDelayMs ?? 5000,
      drives: resolveDriveSource(file.agent, fileDir),
      changers: resolveChangers(file.agent?.changers),
      mergeStaging: {
        dir: fromFile(file.agent?.mergeStaging?.dir) ?? path.join(dataDir, 'staging', 'merged'),
        ...(file.agent?.mergeStaging?.window === undefined ? {} : { window: file.agent.mergeStaging.window }),
        ...(file.agent?.mergeStaging?.maxBytes === undefined ? {} : { maxBytes: file.agent.mergeStaging.maxBytes }),
      },
      staging: {
        dir: fromFile(file.agent?.staging?.dir) ?? path.join(dataDir, 'staging', 'images'),
        maxBytes: file.agent?.staging?.maxBytes ?? DEFAULT_STAGING_BYTES,
        plainImages: file.agent?.staging?.plainImages ?? 'direct',
      },
    },
  };
}

async function readConfigFile(filePath: string): Promise<string> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ConfigError('', `cannot read the configuration file ${filePath}: ${why}`, { cause: err });
  }
}

function envTokens(env: Readonly<Record<string, string | undefined>>): TokenEntry[] {
  const out: TokenEntry[] = [];
  for (const [name, role] of [['TOWER_OPERATOR_TOKEN', 'operator'], ['TOWER_VIEWER_TOKEN', 'viewer']] as const) {
    const token = nonEmpty(env[name]);
    if (token === undefined) continue;
    if (!/^[A-Za-z0-9._~+/=-]{16,200}$/.test(token)) {
      throw new ConfigError(name, 'a token is 16..200 characters of letters, digits and . _ ~ + / = -');
    }
    out.push({ token, name: `${role} (${name})`, role });
  }
  return out;
}

function envInt(env: Readonly<Record<string, string | undefined>>, name: string, min: number, max: number): number | undefined {
  const text = nonEmpty(env[name]);
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(name, `'${text}' is not an integer ${min}..${max}`);
  return n;
}

/** `TOWER_LOG_LEVEL` (any case), else the file's `log.level`, else info. */
function logLevel(fromEnv: string | undefined, fromFile: (typeof LOG_LEVEL_NAMES)[number] | undefined): (typeof LOG_LEVEL_NAMES)[number] {
  if (fromEnv === undefined) return fromFile ?? 'info';
  const level = LOG_LEVEL_NAMES.find((l) => l === fromEnv.toLowerCase());
  if (level === undefined) throw new ConfigError('TOWER_LOG_LEVEL', `'${fromEnv}' is not a log level (${LOG_LEVEL_NAMES.join(', ')})`);
  return level;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The host name as an agent id (characters outside the id alphabet become `-`). */
function hostAgentId(): string {
  const id = os.hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
  return id === '' ? 'agent' : id;
}

/** For a union ("expected one of"), the error of the variant that got furthest into the value. */
function deepest(err: ValueError): ValueError {
  let best = err;
  for (const variant of err.errors) {
    const e = variant.First();
    if (e === undefined) continue;
    const d = deepest(e);
    if (d.path.length > best.path.length) best = d;
  }
  return best;
}

/** A union of literals reads as its choices (`expected one of "direct", "stage"`), not TypeBox's "Expected union value". */
function messageOf(err: ValueError): string {
  const choices = (err.schema as { anyOf?: readonly Record<string, unknown>[] }).anyOf;
  if (choices === undefined || choices.length === 0 || !choices.every((c) => 'const' in c)) return err.message;
  return `expected one of ${choices.map((c) => JSON.stringify(c.const)).join(', ')}`;
}

/** JSON pointer (`/agent/drives/2/device`) → `agent.drives[2].device`. */
function fieldOf(pointer: string): string {
  return pointer.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) && acc !== '' ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`), '');
}
