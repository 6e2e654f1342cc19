/**
 * One entry point from a device string to a `Drive`:
 * `/dev/srN` (or another device node) and `stdio:/path` go to the cdrecord
 * backend, `sim:N?…` to a simulated drive.
 */
import path from 'node:path';
import { CdrecordDrive } from './cdrecord/cdrecord-drive.js';
import type { CdrecordDriveOptions } from './cdrecord/cdrecord-drive.js';
import type { Drive } from './drive-contract.js';
import { InvalidDeviceError } from './errors.js';
import { createSimulatedDrive, isSimAddress } from './sim/index.js';
import type { SimulatedDriveOptions } from './sim/index.js';

export interface OpenDriveOptions {
  /** Options for real and `stdio:` drives (burner, spawner, tool environment). */
  readonly cdrecord?: Omit<CdrecordDriveOptions, 'address'>;
  /** Overrides for simulated drives (on top of the address's query). */
  readonly sim?: SimulatedDriveOptions;
}

// Device nodes are plain paths under /dev: no shell metacharacters, no spaces, no `..`.
const DEVICE_NODE = /^\/dev\/[A-Za-z0-9_][A-Za-z0-9_.:+/-]*$/;

/**
 * Check a device string and return its canonical form (`stdio:` paths made
 * absolute). Throws `InvalidDeviceError` with the reason.
 */
export function normaliseDeviceAddress(address: string): string {
  if (isSimAddress(address)) return address;
  if (address.startsWith('stdio:')) {
    const file = address.slice('stdio:'.length);
    if (file === '' || /[\0\n\r]/.test(file)) throw new InvalidDeviceError(`'${address}' names no file after stdio:`);
    return `stdio:${path.resolve(file)}`;
  }
  if (address.startsWith('/dev/')) {
    if (!DEVICE_NODE.test(address) || address.split('/').includes('..')) {
      throw new InvalidDeviceError(`'${address}' is not a device path`);
    }
    return address;
  }
  throw new InvalidDeviceError(`'${address}' is not a device: use /dev/srN, stdio:/path/to/file or sim:N`);
}

/** Open a drive from its device string. Nothing is touched until the first call on it. */
export function openDrive(address: string, options: OpenDriveOptions = {}): Drive {
  const canonical = normaliseDeviceAddress(address);
  if (isSimAddress(canonical)) return createSimulatedDrive(canonical, options.sim);
  return new CdrecordDrive({ ...options.cdrecord, address: canonical });
}
