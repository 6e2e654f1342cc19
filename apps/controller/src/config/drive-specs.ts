/**
 * The drives of an agent, from the configuration's `agent.drives` and
 * `agent.simulated`: checked device strings, stable ids, labels, positions.
 */
import path from 'node:path';
import { checkedOutputDir } from './stdio-output-dir.js';
import { InvalidDeviceError, MEDIA_TYPES, mediaClassOf, normaliseDeviceAddress, parseCdrdaoDriver, parseSimAddress } from 'node-cdrecord-wrapper';
import type { MediaType } from 'node-cdrecord-wrapper';
import type { ConfigFile } from './config-schema.js';
import { ConfigError } from './tower-config.js';
import type { DriveSource, DriveSpec } from './tower-config.js';

type AgentSection = NonNullable<ConfigFile['agent']>;
type Simulated = NonNullable<AgentSection['simulated']>;

/** The simulated tower used when the configuration names no drives: 8 CD-R drives with auto-loaders. */
export const DEFAULT_SIMULATED: Simulated = { count: 8, media: 'CD-R', timeScale: 0.25, autoLoader: true };

/**
 * Each simulated auto-loader's stock when `agent.simulated.loader` does not
 * say: 10,000 blanks, so the default demo never runs dry (its 1,001 runs of
 * 40 copies on 8 drives take about 5,000 blanks per drive, some eight
 * hours), and a reject bin of 100 coasters.
 */
export const DEFAULT_SIM_LOADER = { blanks: 10_000, rejectBin: 100 } as const;

/** Resolve the drives of `agent` (relative stdio paths against `baseDir`). Throws `ConfigError`. */
export function resolveDriveSource(agent: AgentSection | undefined, baseDir: string): DriveSource {
  const listed = agent?.drives;
  const simulated = agent?.simulated ?? (listed === undefined ? DEFAULT_SIMULATED : undefined);
  const sims = simulated === undefined ? [] : simulatedDrives(simulated);
  if (listed === 'auto') return { kind: 'auto', extra: checkUnique(sims) };
  const explicit = (listed ?? []).map((entry, i) => listedDrive(entry, i, baseDir));
  const all = [...explicit, ...sims.map((s) => ({ ...s, position: s.position + explicit.length }))];
  return { kind: 'list', drives: checkUnique(all) };
}

function listedDrive(entry: NonNullable<Exclude<AgentSection['drives'], 'auto'>>[number], i: number, baseDir: string): DriveSpec {
  const field = `agent.drives[${i}]`;
  let device = entry.device;
  if (device.startsWith('stdio:')) device = `stdio:${path.resolve(baseDir, device.slice('stdio:'.length))}`;
  try {
    device = normaliseDeviceAddress(device);
    if (device.startsWith('sim:')) parseSimAddress(device);
  } catch (err) {
    if (err instanceof InvalidDeviceError) throw new ConfigError(`${field}.device`, err.message, { cause: err });
    throw err;
  }
  const kind = device.startsWith('sim:') ? 'sim' : device.startsWith('stdio:') ? 'stdio' : 'dev';
  if (entry.media !== undefined && kind !== 'stdio') {
    throw new ConfigError(`${field}.media`, 'is only for stdio: pseudo drives (a real or simulated drive reports its own disc)');
  }
  if (entry.outputDir !== undefined && kind !== 'stdio') {
    throw new ConfigError(`${field}.outputDir`, 'is only for stdio: pseudo drives (a real drive\'s discs are taken out by hand or by its changer)');
  }
  for (const key of ['cdText', 'cdrdaoDriver'] as const) {
    if (entry[key] !== undefined && kind !== 'dev') throw new ConfigError(`${field}.${key}`, 'is only for real drives (/dev/srN): cdrdao burns CD-TEXT only there');
  }
  if (entry.cdrdaoDriver !== undefined) {
    try {
      parseCdrdaoDriver(entry.cdrdaoDriver);
    } catch (err) {
      throw new ConfigError(`${field}.cdrdaoDriver`, (err as Error).message, { cause: err });
    }
  }
  const id = kind === 'sim' ? parseSimAddress(device).stableId : kind === 'stdio' ? device.slice('stdio:'.length) : device;
  const outputDir = entry.outputDir === undefined ? undefined : checkedOutputDir(path.resolve(baseDir, entry.outputDir), id, `${field}.outputDir`);
  return {
    device,
    id,
    label: entry.label ?? defaultLabel(id),
    position: entry.position ?? i,
    ...(entry.group === undefined ? {} : { group: entry.group }),
    ...(kind === 'stdio' ? { stdioMedia: blankMediaType(entry.media ?? 'CD-R', `${field}.media`) } : {}),
    ...(outputDir === undefined ? {} : { stdioOutputDir: outputDir }),
    ...(entry.cdText === true ? { cdText: true } : {}),
    ...(entry.cdrdaoDriver === undefined ? {} : { cdrdaoDriver: entry.cdrdaoDriver }),
    simulated: kind === 'sim',
  };
}

function simulatedDrives(sim: Simulated): DriveSpec[] {
  const media = blankMediaType(sim.media ?? 'CD-R', 'agent.simulated.media');
  const first = sim.firstIndex ?? 0;
  if (sim.loader !== undefined && sim.autoLoader === false) {
    throw new ConfigError('agent.simulated.loader', 'is the stock of the auto-loaders, and autoLoader is false');
  }
  for (const key of Object.keys(sim.faults ?? {})) {
    const n = Number(key);
    if (n < first || n >= first + sim.count) {
      throw new ConfigError(`agent.simulated.faults.${key}`, `there is no simulated drive ${key} (drives ${first}..${first + sim.count - 1})`);
    }
  }
  return Array.from({ length: sim.count }, (_, k) => {
    const index = first + k;
    const query = new URLSearchParams();
    query.set('media', media.replace(/ /g, '_'));
    if (sim.autoLoader ?? true) {
      query.set('autoload', '1');
      query.set('stack', String(sim.loader?.blanks ?? DEFAULT_SIM_LOADER.blanks));
      query.set('rejectBin', String(sim.loader?.rejectBin ?? DEFAULT_SIM_LOADER.rejectBin));
    }
    query.set('timeScale', String(sim.timeScale ?? 0.25));
    if (sim.progressMs !== undefined) query.set('progressMs', String(sim.progressMs));
    for (const [key, value] of Object.entries(sim.faults?.[String(index)] ?? {})) {
      query.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    }
    const device = `sim:${index}?${query.toString().replace(/%2B/gi, '+')}`;
    try {
      parseSimAddress(device);
    } catch (err) {
      const field = sim.faults?.[String(index)] === undefined ? 'agent.simulated' : `agent.simulated.faults.${index}`;
      throw new ConfigError(field, err instanceof Error ? err.message : String(err), { cause: err });
    }
    return { device, id: `sim:${index}`, label: `Sim ${index}`, position: k, simulated: true };
  });
}

/** A media type name (`CD-R`, `DVD+R DL`, `_` for a space) that burns copies of some media class. */
function blankMediaType(text: string, field: string): MediaType {
  const wanted = text.replace(/_/g, ' ').toUpperCase();
  const type = MEDIA_TYPES.find((t) => t.toUpperCase() === wanted);
  if (type === undefined || mediaClassOf(type) === null) {
    const known = MEDIA_TYPES.filter((t) => mediaClassOf(t) !== null).join(', ');
    throw new ConfigError(field, `'${text}' is not a media type (${known})`);
  }
  return type;
}

function defaultLabel(id: string): string {
  if (id.startsWith('sim:')) return `Sim ${id.slice(4)}`;
  return path.basename(id);
}

function checkUnique(drives: DriveSpec[]): DriveSpec[] {
  const seen = new Set<string>();
  drives.forEach((d, i) => {
    if (seen.has(d.id)) throw new ConfigError(`agent.drives[${i}]`, `drive ${d.id} is configured twice`);
    seen.add(d.id);
  });
  return drives;
}
