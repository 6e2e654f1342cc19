/**
 * Argument arrays for the cdrecord-family tools and cdrdao. Pure: the drive
 * decides which program runs, this decides what it is told.
 */
import path from 'node:path';
import type { BurnOptions } from '../drive-contract.js';
import type { BurnerProgram } from './tool-locator.js';

/** A program with its arguments and working directory. */
export interface ToolCommand {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/** What to burn: an ISO file, or a CUE sheet. */
export interface BurnSource {
  readonly format: 'iso' | 'cue';
  readonly path: string;
}

// wodim counts down 4 s before writing unless told otherwise (K3b passes gracetime=2).
const WODIM_GRACETIME = 'gracetime=2';

/** The `dev=` argument and, for pseudo drives, the option cdrskin needs to accept them. */
function deviceArgs(program: BurnerProgram, address: string): string[] {
  return program === 'cdrskin' && address.startsWith('stdio:') ? ['--allow_emulated_drives', `dev=${address}`] : [`dev=${address}`];
}

/**
 * cdrskin / wodim / cdrecord burn of an ISO, or cdrskin `cuefile=` burn of a
 * CUE sheet (run with cwd = the CUE's folder: cdrskin resolves FILE against
 * its cwd).
 */
export function burnerBurnCommand(program: BurnerProgram, address: string, source: BurnSource, options: BurnOptions): ToolCommand {
  const args = ['-v', ...deviceArgs(program, address)];
  if (program === 'wodim' || program === 'cdrecord') args.push(WODIM_GRACETIME);
  const mode = source.format === 'cue' ? 'sao' : (options.mode ?? 'sao');
  // wodim documents -dao; cdrskin and cdrecord take -sao.
  args.push(mode === 'tao' ? '-tao' : program === 'wodim' ? '-dao' : '-sao');
  if (options.speed !== undefined) args.push(`speed=${options.speed}`);
  if (options.dummy) args.push('-dummy');
  if (options.eject) args.push('-eject');
  if (source.format === 'cue') {
    const cue = path.resolve(source.path);
    args.push(`cuefile=${cue}`);
    return { program, args, cwd: path.dirname(cue) };
  }
  args.push(path.resolve(source.path));
  return { program, args };
}

/**
 * cdrdao burn of a CUE sheet or a TOC file (`sheetPath`) on a real drive;
 * cwd = the sheet's folder, where the TOC's relative data file names lie.
 * `driver`: the `--driver` value (cdrdao-driver.ts `cdrdaoDriverArg`), absent: cdrdao chooses.
 */
export function cdrdaoWriteCommand(device: string, sheetPath: string, options: BurnOptions, driver?: string): ToolCommand {
  const cue = path.resolve(sheetPath);
  // -n: skip cdrdao's 10 s "hit CTRL-C to abort" pause.
  const args = ['write', '--device', device, '-n'];
  if (driver !== undefined) args.push('--driver', driver);
  if (options.speed !== undefined) args.push('--speed', String(options.speed));
  if (options.dummy) args.push('--simulate');
  if (options.eject) args.push('--eject');
  args.push(cue);
  return { program: 'cdrdao', args, cwd: path.dirname(cue) };
}

/** Inspection runs: `-checkdrive`, `-minfo`, `-atip`, `-prcap`, `-toc`. */
export function burnerQueryCommand(program: BurnerProgram, address: string, query: '-checkdrive' | '-minfo' | '-atip' | '-prcap' | '-toc'): ToolCommand {
  return { program, args: [...deviceArgs(program, address), query] };
}

/** Blanking: `blank=fast|all`. */
export function burnerBlankCommand(program: BurnerProgram, address: string, mode: 'fast' | 'all'): ToolCommand {
  const args = ['-v', ...deviceArgs(program, address)];
  if (program === 'wodim' || program === 'cdrecord') args.push(WODIM_GRACETIME);
  args.push(`blank=${mode}`);
  return { program, args };
}

/** Tray control through the burner when the `eject` program is missing. */
export function burnerTrayCommand(program: BurnerProgram, address: string, action: 'eject' | 'load'): ToolCommand {
  return { program, args: [...deviceArgs(program, address), action === 'eject' ? '-eject' : '-load'] };
}

/** Tray control: the `eject` program (`eject DEV`, `eject -t DEV`), else the burner's -eject/-load. */
export function trayCommand(program: BurnerProgram | 'eject', device: string, action: 'eject' | 'load'): ToolCommand {
  if (program === 'eject') return { program: 'eject', args: action === 'eject' ? [device] : ['-t', device] };
  return burnerTrayCommand(program, device, action);
}
