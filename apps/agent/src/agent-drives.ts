/**
 * Opening the drives of an agent from its configured drive source: listed
 * devices (`stdio:` ones wrapped as always-blank discs, with an output bin
 * keeping each disc when configured), or this host's real
 * drives found by discovery (`auto`) plus any simulated ones. A simulated
 * drive with an auto-loader is fed by it through the disc loader contract
 * (`SimDiscLoader`), as a jukebox's changer feeds a real drive: its stock
 * (blanks left, coasters in the reject bin) goes out with the drive's state.
 */
import path from 'node:path';
import { discoverDrives, openDrive, SimDiscLoader, SimulatedDrive } from 'node-cdrecord-wrapper';
import type { DiscLoader, Drive } from 'node-cdrecord-wrapper';
import type { DriveSource, DriveSpec } from './drive-specs.js';
import { StdioBlankDrive } from './stdio-blank-drive.js';
import { StdioOutputBin } from './stdio-output-bin.js';

/** A configured drive, opened. */
export interface AgentDrive {
  readonly spec: DriveSpec;
  /** Stable id the drive's state and attempts are recorded under. */
  readonly id: string;
  readonly drive: Drive;
  /** The drive a master reads from when it is not `drive` (a `stdio:` pseudo drive's file, which `drive` poses as blank). */
  readonly masterDrive?: Drive;
  /** The disc loader feeding it (a simulated auto-loader, or a jukebox's changer: see agent-changers.ts), when it has one. */
  readonly loader?: DiscLoader;
}

/** Open every drive of the source (nothing is touched until the first call on a drive, except `auto` discovery). */
export async function openAgentDrives(source: DriveSource): Promise<AgentDrive[]> {
  const specs = source.kind === 'list' ? source.drives : [...(await discoveredSpecs()), ...source.extra];
  return specs.map((spec) => {
    const raw = openDrive(spec.device, { cdrecord: cdrecordOptionsOf(spec) });
    if (raw instanceof SimulatedDrive && raw.autoLoader !== null) return { spec, id: spec.id, drive: raw, loader: new SimDiscLoader(raw) };
    if (spec.stdioMedia === undefined) return { spec, id: spec.id, drive: raw };
    if (spec.stdioOutputDir === undefined) return { spec, id: spec.id, drive: new StdioBlankDrive(raw, spec.stdioMedia), masterDrive: raw };
    // Its output bin keeps each disc, as an auto-loader's bins do; a disc it could not move yet is no blank.
    const loader = new StdioOutputBin({ drive: raw.address, target: path.resolve(spec.device.slice('stdio:'.length)), outputDir: spec.stdioOutputDir });
    return { spec, id: spec.id, drive: new StdioBlankDrive(raw, spec.stdioMedia, () => loader.holding), masterDrive: raw, loader };
  });
}

/** What a drive's spec tells the cdrecord backend (real drives: CD-TEXT, the cdrdao driver). */
function cdrecordOptionsOf(spec: DriveSpec): { cdText?: boolean; cdrdaoDriver?: string } {
  return {
    ...(spec.cdText === true ? { cdText: true } : {}),
    ...(spec.cdrdaoDriver === undefined ? {} : { cdrdaoDriver: spec.cdrdaoDriver }),
  };
}

/** Real drives of this host as drive specs (by-path ids, labels from vendor and model). */
async function discoveredSpecs(): Promise<DriveSpec[]> {
  const found = await discoverDrives();
  return found.map((d, i) => ({
    device: d.device,
    id: d.stableId,
    label: `${d.name} ${d.vendor} ${d.model}`.trim().slice(0, 100),
    position: i,
    simulated: false,
  }));
}

/** Release what a drive holds in this process (simulated drives' timers). */
export function disposeAgentDrive(d: AgentDrive): void {
  d.drive.dispose?.();
}
