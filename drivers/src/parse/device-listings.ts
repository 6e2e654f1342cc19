/**
 * Parsers for the drive listings of the optical tools:
 *
 * | tool | lists | notes |
 * |---|---|---|
 * | `wodim --devices` | `/dev/sgN` | exit status = number of drives; 255 + "Cannot open SCSI driver!" when none |
 * | `wodim -scanbus`, `cdrskin -scanbus` | `bus,target,lun` | `*` for empty slots; vendor/model padded to 8/16 |
 * | `cdrskin --devices` | `/dev/srN` | `(0 found)` and exit 0 when none; busy drives are silently missing |
 * | `xorriso -devices` | `/dev/srN` | `SORRY : No drives found`, exit 32 when none |
 * | `cdrdao scanbus` | `/dev/srN` | exit 0 even when it cannot access sysfs |
 * | `sg_map -i -x` | `/dev/sgN` + `/dev/srN` | fixed-width vendor/model/revision |
 *
 * All parsers are pure, never throw, and tolerate garbage: vendor strings are
 * treated as bytes (tools print uninitialised buffers on failures), control
 * characters are dropped and padding trimmed. Input may be a string (as
 * `runTool` decodes it, latin1) or raw bytes.
 */

/** One drive as a tool lists it. */
export interface ListedDevice {
  /** The address the tool uses: `/dev/srN`, `/dev/sgN`, or `bus,target,lun` for `-scanbus`. */
  readonly device: string;
  readonly vendor: string;
  readonly model: string;
  /** Firmware revision, when the tool prints it (scanbus, cdrdao, sg_map). */
  readonly revision?: string;
  /** The SCSI generic device, when the listing names one besides `device` (sg_map). */
  readonly generic?: string;
  /** Permission field of `--devices` listings, e.g. `rw----`. */
  readonly permissions?: string;
  /** SCSI peripheral type (5 = CD/DVD), when printed (sg_map). */
  readonly scsiType?: number;
  /** Device type words of `-scanbus` (`Removable CD-ROM`). */
  readonly deviceType?: string;
}

/** Result of parsing one listing. */
export interface DeviceListing {
  readonly devices: readonly ListedDevice[];
  /** The count the tool announced (`(3 found)`, or wodim's exit status), when known. */
  readonly reportedCount?: number;
  /** The tool's own words when it could not list drives (`Cannot open SCSI driver!`, `No drives found`…). */
  readonly problem?: string;
}

/** Tools whose listings {@link parseDeviceListing} understands. */
export type ListingTool =
  | 'wodim-devices'
  | 'wodim-scanbus'
  | 'cdrskin-devices'
  | 'cdrskin-scanbus'
  | 'xorriso-devices'
  | 'cdrdao-scanbus'
  | 'sg-map';

/** Decode bytes as latin1 (one char per byte, never fails); pass strings through. */
export function listingText(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
}

/** Drop control characters and NULs, trim padding. */
export function cleanField(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

function lines(input: string | Uint8Array): string[] {
  return listingText(input).split(/\r\n|\r|\n/);
}

const FOUND = /Overview of accessible drives \((\d+) found\)/;
/** `0  dev='/dev/sr0'  rw---- :  'QEMU    '  'QEMU DVD-ROM'` (cdrskin/wodim) and `0  -dev '/dev/sr0' rw---- :  'QEMU    ' 'QEMU DVD-ROM'` (xorriso). */
const DEVICES_LINE = /^\s*\d+\s+-?dev[= ]'([^']*)'\s+(\S+)\s*:\s*'([^']*)'\s+'([^']*)'/;
/** `\t1,0,0\t100) 'QEMU    ' 'QEMU DVD-ROM    ' '2.5+' Removable CD-ROM` */
const SCANBUS_LINE = /^\s*(\d+,\d+,\d+)\s+\d+\)\s+'([^']*)'\s+'([^']*)'\s+'([^']*)'\s*(.*)$/;

function firstProblem(all: readonly string[], patterns: readonly RegExp[]): string | undefined {
  for (const line of all) {
    const text = cleanField(line);
    if (patterns.some((p) => p.test(text))) return text;
  }
  return undefined;
}

function parseDevicesStyle(input: string | Uint8Array, problems: readonly RegExp[]): DeviceListing {
  const all = lines(input);
  const devices: ListedDevice[] = [];
  let reportedCount: number | undefined;
  for (const line of all) {
    const found = FOUND.exec(line);
    if (found?.[1] !== undefined) reportedCount = Number(found[1]);
    const m = DEVICES_LINE.exec(line);
    if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) continue;
    devices.push({ device: cleanField(m[1]), vendor: cleanField(m[3]), model: cleanField(m[4]), permissions: m[2] });
  }
  const problem = devices.length === 0 ? firstProblem(all, problems) : undefined;
  return {
    devices,
    ...(reportedCount === undefined ? {} : { reportedCount }),
    ...(problem === undefined ? {} : { problem }),
  };
}

const WODIM_PROBLEMS = [/Cannot open SCSI driver/i, /^wodim: .*\.\s*$/];

/**
 * `wodim --devices` (lists `/dev/sgN`). wodim's exit status is the number of
 * drives found, so pass it as `exitCode` to get `reportedCount` when the
 * overview line is missing; 255 means it could not scan at all.
 */
export function parseWodimDevices(input: string | Uint8Array, exitCode?: number | null): DeviceListing {
  const listing = parseDevicesStyle(input, WODIM_PROBLEMS);
  if (listing.reportedCount === undefined && exitCode !== undefined && exitCode !== null && exitCode >= 0 && exitCode < 255) {
    return { ...listing, reportedCount: exitCode };
  }
  return listing;
}

/** `cdrskin --devices` (lists `/dev/srN`; a drive busy elsewhere is silently missing). */
export function parseCdrskinDevices(input: string | Uint8Array): DeviceListing {
  return parseDevicesStyle(input, [/No usable drive detected/i, /FATAL/]);
}

/** `xorriso -devices` (lists `/dev/srN`; exit 32 with `SORRY : No drives found` when none). */
export function parseXorrisoDevices(input: string | Uint8Array): DeviceListing {
  return parseDevicesStyle(input, [/No drives found/i, /FAILURE|FATAL/]);
}

/**
 * `wodim -scanbus` or `cdrskin -scanbus`: one line per SCSI slot, `*` for
 * empty ones (skipped). `device` is the `bus,target,lun` address.
 */
export function parseScanbus(input: string | Uint8Array): DeviceListing {
  const all = lines(input);
  const devices: ListedDevice[] = [];
  for (const line of all) {
    const m = SCANBUS_LINE.exec(line);
    if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) continue;
    const deviceType = cleanField(m[5] ?? '');
    devices.push({
      device: m[1],
      vendor: cleanField(m[2]),
      model: cleanField(m[3]),
      revision: cleanField(m[4]),
      ...(deviceType === '' ? {} : { deviceType }),
    });
  }
  const problem =
    devices.length === 0 ? firstProblem(all, [/Cannot open SCSI driver/i, /No usable drive detected/i]) : undefined;
  return { devices, ...(problem === undefined ? {} : { problem }) };
}

/**
 * `cdrdao scanbus`: `/dev/sr0 : QEMU    , QEMU DVD-ROM    , 2.5+`. cdrdao exits
 * 0 even when it cannot scan (`ERROR: Unable to access sysfs filesystem…`),
 * which lands in `problem`.
 */
export function parseCdrdaoScanbus(input: string | Uint8Array): DeviceListing {
  const all = lines(input);
  const devices: ListedDevice[] = [];
  for (const line of all) {
    if (/^\s*(ERROR|WARNING):/.test(line) || /^Cdrdao version/.test(line)) continue;
    const m = /^\s*(\S+)\s+:\s(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const parts = m[2].split(',');
    if (parts.length < 3) continue;
    const vendor = parts[0] ?? '';
    const revision = parts[parts.length - 1] ?? '';
    const model = parts.slice(1, -1).join(',');
    devices.push({ device: cleanField(m[1]), vendor: cleanField(vendor), model: cleanField(model), revision: cleanField(revision) });
  }
  const problem = devices.length === 0 ? firstProblem(all, [/^ERROR:/]) : undefined;
  return { devices, ...(problem === undefined ? {} : { problem }) };
}

/**
 * `sg_map -i -x`: `/dev/sg0  1 0 0 0  5  /dev/sr0  QEMU      QEMU DVD-ROM      2.5+`.
 * Vendor (8), model (16) and revision (4) are fixed-width fields separated by
 * two spaces, so vendors with spaces parse right. Every SCSI device is listed
 * (disks too); `scsiType` 5 is a CD/DVD drive. `device` is the block device
 * when there is one, else the sg device.
 */
export function parseSgMap(input: string | Uint8Array): DeviceListing {
  const devices: ListedDevice[] = [];
  for (const line of lines(input)) {
    const m = /^(\/dev\/sg\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)(?:\s+(\/dev\/\S+))?(?: {2}(.*))?$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const rest = m[4] ?? '';
    const vendor = cleanField(rest.slice(0, 8));
    const model = cleanField(rest.slice(10, 26));
    const revision = cleanField(rest.slice(28, 32));
    devices.push({
      device: m[3] ?? m[1],
      generic: m[1],
      vendor,
      model,
      ...(revision === '' ? {} : { revision }),
      scsiType: Number(m[2]),
    });
  }
  return { devices };
}

/** Parse the listing of `tool`; `exitCode` is used by `wodim-devices` only. */
export function parseDeviceListing(tool: ListingTool, input: string | Uint8Array, exitCode?: number | null): DeviceListing {
  switch (tool) {
    case 'wodim-devices':
      return parseWodimDevices(input, exitCode);
    case 'cdrskin-devices':
      return parseCdrskinDevices(input);
    case 'xorriso-devices':
      return parseXorrisoDevices(input);
    case 'wodim-scanbus':
    case 'cdrskin-scanbus':
      return parseScanbus(input);
    case 'cdrdao-scanbus':
      return parseCdrdaoScanbus(input);
    case 'sg-map':
      return parseSgMap(input);
  }
}
