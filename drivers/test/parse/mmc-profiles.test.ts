/**
 * Capabilities from the MMC profile list, on tgt's emulated DVD+R recorder
 * (optical tools reference §9) and a real DVD writer (README §5.2), against
 * what the kernel's legacy table and mode page 2Ah say about the same drive.
 */
import { describe, expect, it } from 'vitest';
import { parsePrcap } from '../../src/parse/cdrskin-drive-info.js';
import { capabilitiesFromProfiles, currentProfile, mediaTypesOfProfile, parseProfileListing } from '../../src/parse/mmc-profiles.js';
import { mediaTypesFromCapabilities, parseProcCdromInfo } from '../../src/parse/proc-cdrom-info.js';
import { loadSample, loadStreams } from '../support/load-sample.js';

describe('parseProfileListing', () => {
  it('reads xorriso -list_profiles of the tgt recorder: DVD-ROM and DVD+R (current), and its identity', () => {
    const run = loadStreams('tgt-xorriso-list-profiles.txt');
    const listing = parseProfileListing(run.stdout);
    expect(listing).toEqual({
      profiles: [
        { code: 0x10, name: 'DVD-ROM', current: false },
        { code: 0x1b, name: 'DVD+R', current: true },
      ],
      vendor: 'IET',
      model: 'VIRTUAL-CDROM',
      firmware: '0001',
    });
    expect(currentProfile(listing)?.name).toBe('DVD+R');
    // The media summary goes to stderr and lists no profile.
    expect(parseProfileListing(run.stderr).profiles).toEqual([]);
  });

  it("reads cdrskin -v's Profile lines on a real DVD writer", () => {
    const listing = parseProfileListing(loadSample('readme/cdrskin-minfo-blank-dvdr.txt').stdout);
    expect(listing.profiles.map((p) => [p.code, p.current])).toEqual([
      [0x15, false],
      [0x1b, true],
    ]);
    expect(listing.vendor).toBeUndefined();
  });

  it('finds none in cdrskin -atip without -v, or in a failed query', () => {
    expect(parseProfileListing(loadStreams('tgt-cdrskin-atip-blank-dvdplusr.txt').stdout).profiles).toEqual([]);
    expect(parseProfileListing(loadSample('qemu-nodisc-cdrskin-atip.txt').stdout).profiles).toEqual([]);
  });
});

describe('capabilitiesFromProfiles', () => {
  it('the tgt recorder writes DVD+R, where the kernel table says it writes nothing', () => {
    const caps = capabilitiesFromProfiles(parseProfileListing(loadStreams('tgt-xorriso-list-profiles.txt').stdout).profiles);
    expect(caps).toEqual({ reads: ['DVD-ROM', 'DVD+R'], writes: ['DVD+R'], canTestWrite: false });
    const kernel = parseProcCdromInfo(loadStreams('tgt-proc-cdrom-info.txt').stdout);
    expect(kernel.map((c) => c.name)).toEqual(['sr1', 'sr0']);
    expect(mediaTypesFromCapabilities(kernel[1]!).writes).toEqual([]);
    // Mode page 2Ah claims CD-R, DVD-R and DVD-RAM and not DVD+R: the profiles are the truth.
    const page = parsePrcap(loadStreams('tgt-wodim-prcap.txt').stdout);
    expect(page.writes).not.toContain('DVD+R');
  });

  it('a multi-format writer: every recordable profile is written, test writes where MMC has them', () => {
    const profiles = [0x08, 0x09, 0x0a, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x1a, 0x1b, 0x2b, 0x40, 0x41, 0x42, 0x43].map((code) => ({
      code,
      name: '',
      current: code === 0x09,
    }));
    expect(capabilitiesFromProfiles(profiles)).toEqual({
      reads: ['CD-ROM', 'CD-R', 'CD-RW', 'DVD-ROM', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL', 'DVD-RAM', 'BD-ROM', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL'],
      writes: ['CD-R', 'CD-RW', 'DVD-R', 'DVD-RW', 'DVD+R', 'DVD+RW', 'DVD-R DL', 'DVD+R DL', 'DVD-RAM', 'BD-R', 'BD-RE', 'BD-R DL', 'BD-RE DL'],
      canTestWrite: true,
    });
  });

  it('a ROM drive writes nothing; unknown profiles count for nothing', () => {
    expect(capabilitiesFromProfiles([{ code: 0x10, name: 'DVD-ROM', current: false }, { code: 0x08, name: 'CD-ROM', current: true }])).toEqual({
      reads: ['CD-ROM', 'DVD-ROM'],
      writes: [],
      canTestWrite: false,
    });
    expect(mediaTypesOfProfile(0x2a)).toEqual([]);
    expect(capabilitiesFromProfiles([])).toEqual({ reads: [], writes: [], canTestWrite: false });
  });
});
