/**
 * Which cdrdao driver a burn names (`cdrdao write --driver NAME[:0xOPTIONS]`).
 * cdrdao picks a driver from its 2002 table (/usr/share/cdrdao/drivers) and
 * else autodetects `generic-mmc`, which writes CD-TEXT only with driver option
 * 0x10: "there is no way to detect if a recorder supports CD-TEXT writing"
 * (cdrdao README, "Driver options"). A drive configured as writing CD-TEXT
 * gets the option when the TOC it burns has CD-TEXT; never otherwise.
 */
import { InvalidDeviceError } from '../errors.js';

/** cdrdao's driver names (cdrdao README, "Supported drives"; /usr/share/cdrdao/drivers). */
export const CDRDAO_DRIVERS = [
  'cdd2600', 'generic-mmc', 'generic-mmc-raw', 'plextor', 'plextor-scan', 'ricoh-mp6200',
  'sony-cdu920', 'sony-cdu948', 'taiyo-yuden', 'teac-cdr55', 'toshiba', 'yamaha-cdr10x',
] as const;

/** A cdrdao driver name. */
export type CdrdaoDriverName = (typeof CDRDAO_DRIVERS)[number];

/** cdrdao's driver option bit "write CD-TEXT" (generic-mmc, generic-mmc-raw). */
export const CDRDAO_OPTION_CD_TEXT = 0x10;

/** A driver and its option bits, as `--driver` takes them. */
export interface CdrdaoDriver {
  readonly name: CdrdaoDriverName;
  readonly options: number;
}

const DRIVER_TEXT = /^([a-z0-9-]+)(?::0x([0-9a-fA-F]{1,8}))?$/;

/**
 * Parse `NAME` or `NAME:0xHEX` (e.g. `generic-mmc-raw`, `generic-mmc:0x10`).
 * Throws `Error` with one line saying what is accepted.
 */
export function parseCdrdaoDriver(text: string): CdrdaoDriver {
  const m = DRIVER_TEXT.exec(text);
  const name = m?.[1] as CdrdaoDriverName | undefined;
  if (m === null || name === undefined || !(CDRDAO_DRIVERS as readonly string[]).includes(name)) {
    throw new Error(`'${text.slice(0, 60).replace(/[^ -~]/g, '?')}' is not a cdrdao driver: use one of ${CDRDAO_DRIVERS.join(', ')}, optionally with :0x<hex options>`);
  }
  return { name, options: m[2] === undefined ? 0 : Number.parseInt(m[2], 16) };
}

/** A drive's configured cdrdao driver, checked when it is opened: `InvalidDeviceError` with the reason. */
export function assertCdrdaoDriver(text: string, device: string): void {
  try {
    parseCdrdaoDriver(text);
  } catch (err) {
    throw new InvalidDeviceError(`${device}: ${(err as Error).message}`, { device, cause: err });
  }
}

/**
 * The `--driver` value of a cdrdao burn, or undefined to let cdrdao choose:
 * with CD-TEXT to write, the configured driver (default `generic-mmc`) with
 * 0x10 ORed in; without, the configured driver as it is.
 */
export function cdrdaoDriverArg(configured: string | undefined, writeCdText: boolean): string | undefined {
  if (configured === undefined && !writeCdText) return undefined;
  const driver = configured === undefined ? { name: 'generic-mmc', options: 0 } : parseCdrdaoDriver(configured);
  const options = writeCdText ? driver.options | CDRDAO_OPTION_CD_TEXT : driver.options;
  return options === 0 ? driver.name : `${driver.name}:0x${options.toString(16)}`;
}
