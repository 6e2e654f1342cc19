/**
 * Simulated drive addresses: `sim:N` with optional settings as a query,
 * e.g. `sim:3?media=DVD-R&timeScale=0.01&autoload=1&writeErrorAt=40`.
 *
 * N is a non-negative integer without leading zeros. Keys (case-sensitive,
 * each at most once; values are percent-decoded, `+` stays a plus):
 *
 * | key              | value                                     | meaning                                             |
 * |------------------|-------------------------------------------|-----------------------------------------------------|
 * | `media`          | media type (`DVD+R`, `BD-R_DL`, …) or `none` | disc at start; the auto-loader's blanks           |
 * | `writer`         | `cd`, `dvd`, `bd`                         | drive capability (default `bd`)                     |
 * | `timeScale`      | number > 0                                | wall ms per model ms (0.01: 100× faster)            |
 * | `progressMs`     | number > 0                                | wall ms between progress reports (default 250)      |
 * | `seed`           | integer                                   | seed of the drive's random source                   |
 * | `autoload`       | `1`/`0`/`true`/`false`                    | attach an auto-loader                               |
 * | `stack`          | integer ≥ 0                               | blanks on the loader's stack (default endless); implies `autoload` |
 * | `loadDelayMs`    | number ≥ 0                                | model ms from eject to the next blank (default 6000) |
 * | `rejectBin`      | integer ≥ 0                               | coasters the loader's reject bin holds (default no limit); implies `autoload` |
 * | `writeErrorAt`   | percent 0..100                            | WriteError at this point of the burn                |
 * | `goneAt`         | percent 0..100                            | drive disappears at this point of the burn          |
 * | `mismatchSector` | integer ≥ 0 or `random`                   | a good burn records this sector wrong               |
 * | `slow`           | factor in (0, 1]                          | all speeds multiplied by it                         |
 * | `noMedia`        | `1`/`0`/`true`/`false`                    | the drive does not see its disc                     |
 * | `wrongMedia`     | media type                                | the disc turns out to be this type at the next burn |
 * | `sticky`         | `1`/`0`/`true`/`false`                    | faults of the address fire every time (default one-shot) |
 * | `faultProbability` | number 0..1                             | chance each fault of the address fires              |
 *
 * Media types are matched case-insensitively; `_` stands for a space.
 */
import type { MediaType } from '../drive-contract.js';
import { MEDIA_TYPES } from '../drive-contract.js';
import { InvalidDeviceError } from '../errors.js';
import type { FaultTrigger, SimFaults } from './sim-faults.js';
import { SimulatedDrive } from './simulated-drive.js';
import type { SimulatedDriveOptions } from './simulated-drive.js';
import type { WriterClass } from './writer-capability.js';

/** A parsed `sim:` address. */
export interface SimAddress {
  readonly index: number;
  /** The address as given. */
  readonly address: string;
  /** `sim:N`, without settings: the drive's stable id. */
  readonly stableId: string;
  readonly options: SimulatedDriveOptions;
}

const KEYS = new Set([
  'media', 'writer', 'timeScale', 'progressMs', 'seed', 'autoload', 'stack', 'loadDelayMs', 'rejectBin', 'writeErrorAt', 'goneAt',
  'mismatchSector', 'slow', 'noMedia', 'wrongMedia', 'sticky', 'faultProbability',
]);
const DEFAULT_BLANK: Readonly<Record<WriterClass, MediaType>> = { cd: 'CD-R', dvd: 'DVD-R', bd: 'BD-R' };
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** True when an address is meant for the simulated backend (starts with `sim:`). */
export function isSimAddress(address: string): boolean {
  return address.startsWith('sim:');
}

/** Parse a `sim:` address; InvalidDeviceError names what is wrong. */
export function parseSimAddress(address: string): SimAddress {
  const bad = (why: string): InvalidDeviceError => new InvalidDeviceError(`invalid simulated drive address '${address}': ${why}`, {
    device: address,
  });
  if (!isSimAddress(address)) throw bad('it must start with sim:');
  const rest = address.slice(4);
  const q = rest.indexOf('?');
  const indexText = q < 0 ? rest : rest.slice(0, q);
  if (!/^(0|[1-9]\d*)$/.test(indexText)) throw bad(`the drive number '${indexText}' is not a non-negative integer`);
  const index = Number(indexText);
  if (!Number.isSafeInteger(index)) throw bad(`the drive number ${indexText} is too large`);

  const params = new Map<string, string>();
  if (q >= 0 && q < rest.length - 1) {
    for (const pair of rest.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw bad(`'${pair}' is not key=value`);
      const key = decode(pair.slice(0, eq), bad);
      if (!KEYS.has(key)) throw bad(`unknown key '${key}' (known: ${[...KEYS].join(', ')})`);
      if (params.has(key)) throw bad(`'${key}' is given twice`);
      params.set(key, decode(pair.slice(eq + 1), bad));
    }
  }

  const num = (key: string, ok: (n: number) => boolean, what: string): number | undefined => {
    const text = params.get(key);
    if (text === undefined) return undefined;
    const n = NUMBER.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(n) || !ok(n)) throw bad(`${key}=${text}: expected ${what}`);
    return n;
  };
  const bool = (key: string): boolean | undefined => {
    const text = params.get(key);
    if (text === undefined) return undefined;
    if (text === '1' || text === 'true') return true;
    if (text === '0' || text === 'false') return false;
    throw bad(`${key}=${text}: expected 1, 0, true or false`);
  };
  const media = (key: string, allowNone: boolean): MediaType | null | undefined => {
    const text = params.get(key);
    if (text === undefined) return undefined;
    if (allowNone && text.toLowerCase() === 'none') return null;
    const wanted = text.replace(/_/g, ' ').toUpperCase();
    const type = MEDIA_TYPES.find((t) => t !== 'file' && t.toUpperCase() === wanted);
    if (type === undefined) throw bad(`${key}=${text}: not a media type (${MEDIA_TYPES.filter((t) => t !== 'file').join(', ')})`);
    return type;
  };

  const writerText = params.get('writer');
  if (writerText !== undefined && !['cd', 'dvd', 'bd'].includes(writerText)) throw bad(`writer=${writerText}: expected cd, dvd or bd`);
  const writer = writerText as WriterClass | undefined;
  const initial = media('media', true);
  const stack = num('stack', (n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer');
  const loadDelayMs = num('loadDelayMs', (n) => n >= 0, 'a number >= 0');
  const rejectBin = num('rejectBin', (n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer');
  const autoload = bool('autoload') ?? (stack !== undefined || loadDelayMs !== undefined || rejectBin !== undefined);

  const trigger: FaultTrigger = {
    ...(bool('sticky') === true ? { sticky: true } : {}),
    ...optional('probability', num('faultProbability', (n) => n >= 0 && n <= 1, 'a number 0..1')),
  };
  const pct = (key: string): number | undefined => num(key, (n) => n >= 0 && n <= 100, 'a percentage 0..100');
  const writeErrorAt = pct('writeErrorAt');
  const goneAt = pct('goneAt');
  const mismatchText = params.get('mismatchSector');
  const mismatchSector = mismatchText === 'random'
    ? 'random'
    : num('mismatchSector', (n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer or random');
  const slow = num('slow', (n) => n > 0 && n <= 1, 'a factor in (0, 1]');
  const wrongMedia = media('wrongMedia', false);
  const faults: SimFaults = {
    ...(writeErrorAt === undefined ? {} : { writeError: { ...trigger, atPercent: writeErrorAt } }),
    ...(goneAt === undefined ? {} : { driveGone: { ...trigger, atPercent: goneAt } }),
    ...(mismatchSector === undefined
      ? {}
      : { verifyMismatch: { ...trigger, ...(mismatchSector === 'random' ? {} : { sector: mismatchSector }) } }),
    ...(slow === undefined ? {} : { slow: { factor: slow } }),
    ...(bool('noMedia') === true ? { noMedia: trigger } : {}),
    ...(wrongMedia == null ? {} : { wrongMedia: { ...trigger, type: wrongMedia } }),
  };

  const options: SimulatedDriveOptions = {
    index,
    address,
    ...optional('writer', writer),
    ...optional('timeScale', num('timeScale', (n) => n > 0, 'a number > 0')),
    ...optional('progressIntervalMs', num('progressMs', (n) => n > 0, 'a number > 0')),
    ...optional('seed', num('seed', Number.isSafeInteger, 'an integer')),
    // With a loader, the first blank comes off its stack.
    ...(initial === undefined || (autoload && initial !== null) ? {} : { media: initial }),
    ...(Object.keys(faults).length > 0 ? { faults } : {}),
    ...(autoload
      ? {
        autoLoader: {
          media: initial ?? DEFAULT_BLANK[writer ?? 'bd'],
          ...optional('stack', stack),
          ...optional('loadDelayMs', loadDelayMs),
          ...(rejectBin === undefined ? {} : { binCapacity: { failed: rejectBin } }),
        },
      }
      : {}),
  };
  return { index, address, stableId: `sim:${index}`, options };
}

/**
 * Open a simulated drive from its address; `overrides` win over the address
 * settings (e.g. an injected clock or random source in tests).
 */
export function createSimulatedDrive(address: string, overrides: SimulatedDriveOptions = {}): SimulatedDrive {
  return new SimulatedDrive({ ...parseSimAddress(address).options, ...overrides });
}

function decode(text: string, bad: (why: string) => Error): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(`'${text}' is not properly percent-encoded`);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
