/**
 * SCSI command failures from the tools' real output: libburn's one-line
 * form (tgt's emulated DVD+R recorder refusing RESERVE TRACK) and libscg's
 * block (wodim on real writers, README §5.1).
 */
import { describe, expect, it } from 'vitest';
import {
  WRITE_SETUP_OPCODES,
  describeScsiFailure,
  formatCommand,
  formatSense,
  parseScsiFailures,
  parseSgSense,
  scsiCommandName,
} from '../../src/parse/scsi-sense.js';
import { loadSample, loadStreams } from '../support/load-sample.js';

describe('parseScsiFailures', () => {
  it("reads libburn's RESERVE TRACK refusal from cdrskin's stderr (tgt)", () => {
    const run = loadStreams('tgt-cdrskin-burn-sao-refused.txt');
    // cdrskin writes the sense on stderr; stdout only ends "cdrskin: burning failed".
    expect(parseScsiFailures(run.stdout)).toEqual([]);
    expect(parseScsiFailures(run.stderr)).toEqual([
      {
        opcode: 0x53,
        command: 'RESERVE TRACK',
        senseKey: 5,
        asc: 0x20,
        ascq: 0x00,
        description: 'Illegal request, invalid command operation code',
      },
    ]);
  });

  it('reads the libscg block of wodim: CDB opcode, Sense Key, Sense Code and Qual', () => {
    const underrun = loadSample('readme/wodim-buffer-underrun-brasero.txt');
    expect(parseScsiFailures(underrun.stdout)).toEqual([
      { opcode: 0x2a, command: 'WRITE(10)', senseKey: 5, asc: 0x21, ascq: 0x02, description: 'Illegal request, invalid address for write' },
    ]);
    const medium = loadSample('readme/wodim-medium-write-error.txt');
    expect(parseScsiFailures(medium.stdout)).toEqual([
      { opcode: 0x2a, command: 'WRITE(10)', senseKey: 3, asc: 0x0c, ascq: 0x00, description: 'Medium error, write error' },
    ]);
  });

  it("reads libburn's failed WRITE: block and count, the CDB line after it, the sense (tgt's backing store full)", () => {
    const run = loadStreams('tgt-cdrskin-burn-backing-full.txt');
    expect(parseScsiFailures(run.stderr)).toEqual([
      { opcode: 0x2a, command: 'WRITE(10)', senseKey: 3, asc: 0x11, ascq: 0x00, description: 'Medium error, unrecovered read error' },
    ]);
  });

  it('reads the failed WRITE and the cache flush that failed after it (the disc pulled mid-burn)', () => {
    const run = loadStreams('tgt-cdrskin-burn-disc-pulled.txt');
    const notReady = { senseKey: 2, asc: 0x3a, ascq: 0x00, description: 'Drive not ready, medium not present' };
    expect(parseScsiFailures(run.stderr)).toEqual([
      { opcode: 0x2a, command: 'WRITE(10)', ...notReady },
      { opcode: 0x35, command: 'SYNCHRONIZE CACHE', ...notReady },
    ]);
  });

  it('reads sense libburn has no words for ("See MMC specs: Sense Key …"), worded from SPC (the LUN deleted)', () => {
    const run = loadStreams('tgt-cdrskin-burn-lun-deleted.txt');
    const gone = { senseKey: 5, asc: 0x25, ascq: 0x00, description: 'Illegal request, logical unit not supported' };
    expect(parseScsiFailures(run.stderr)).toEqual([
      { opcode: 0x2a, command: 'WRITE(10)', ...gone },
      { opcode: 0x35, command: 'SYNCHRONIZE CACHE', ...gone },
    ]);
    // The same form after "on command", with an ASC it has no words for (libburn's text as Brasero logs it).
    expect(parseScsiFailures('SCSI error condition on command 2Ah WRITE(10): See MMC specs: Sense Key 3 "Medium error", ASC 10 ASCQ 00.')).toEqual([
      { opcode: 0x2a, command: 'WRITE(10)', senseKey: 3, asc: 0x10, ascq: 0x00, description: 'Medium error' },
    ]);
  });

  it('finds nothing in a good burn or a refusal without sense data', () => {
    const tao = loadStreams('tgt-cdrskin-burn-tao-dvdplusr.txt');
    expect(parseScsiFailures(`${tao.stdout}\n${tao.stderr}`)).toEqual([]);
    const burned = loadStreams('tgt-cdrskin-burn-on-burned-disc.txt');
    expect(parseScsiFailures(`${burned.stdout}\n${burned.stderr}`)).toEqual([]);
  });
});

describe('a UNIT ATTENTION from the bus (another LUN of the target deleted mid-burn)', () => {
  const attention = { senseKey: 6, asc: 0x3f, ascq: 0x0e, description: 'Drive event, reported LUNs data has changed' };

  it('on the next WRITE', () => {
    const run = loadStreams('tgt-cdrskin-burn-other-lun-deleted.txt');
    expect(parseScsiFailures(run.stderr)).toEqual([{ opcode: 0x2a, command: 'WRITE(10)', ...attention }]);
  });

  it('while closing the disc: "Asynchronous SCSI error on SYNCHRONIZE CACHE", the opcode from the CDB line', () => {
    const run = loadStreams('tgt-cdrskin-burn-other-lun-deleted-fixating.txt');
    expect(parseScsiFailures(run.stderr)).toEqual([{ opcode: 0x35, command: 'SYNCHRONIZE CACHE', ...attention }]);
  });
});

describe('parseSgSense (sg3-utils at -vv)', () => {
  it('reads the raw fixed-format sense of a TEST UNIT READY to a LUN the target no longer has', () => {
    const run = loadStreams('tgt-sg-turs-lun-deleted.txt');
    expect(run.exitCode).toBe(5);
    expect(parseSgSense(`${run.stdout}\n${run.stderr}`, 0)).toEqual({
      opcode: 0, command: 'TEST UNIT READY', senseKey: 5, asc: 0x25, ascq: 0, description: 'Illegal request, logical unit not supported',
    });
  });

  it('reads NOT READY, MEDIUM NOT PRESENT of an empty drive, and nothing of a ready one', () => {
    const empty = loadStreams('tgt-sg-turs-no-disc.txt');
    expect(parseSgSense(`${empty.stdout}\n${empty.stderr}`, 0)).toMatchObject({ senseKey: 2, asc: 0x3a, ascq: 0, description: 'Not ready, medium not present' });
    const ready = loadStreams('tgt-sg-turs-ready.txt');
    expect(parseSgSense(`${ready.stdout}\n${ready.stderr}`, 0)).toBeNull();
  });

  it('reads descriptor-format sense', () => {
    const text = ' Raw sense data (in hex), sb_len=8, embedded_len=8\n        72 05 25 00 00 00 00 00\n';
    expect(parseSgSense(text, 0x2a)).toEqual({ opcode: 0x2a, command: 'WRITE(10)', senseKey: 5, asc: 0x25, ascq: 0, description: 'Illegal request, logical unit not supported' });
  });
});

describe('formatting', () => {
  const reserve = { opcode: 0x53, command: 'RESERVE TRACK', senseKey: 5, asc: 0x20, ascq: 0, description: 'Illegal request, invalid command operation code' };

  it('says command, opcode and sense in one line', () => {
    expect(formatCommand(reserve)).toBe('RESERVE TRACK (53h)');
    expect(formatSense(reserve)).toBe('5/20/00');
    expect(describeScsiFailure(reserve)).toBe('RESERVE TRACK (53h) refused: sense 5/20/00 Illegal request, invalid command operation code');
    // Not ILLEGAL REQUEST: the drive tried and failed.
    expect(describeScsiFailure({ ...reserve, opcode: 0x2a, command: 'WRITE(10)', senseKey: 3, asc: 0x0c, description: 'Medium error, write error' }))
      .toBe('WRITE(10) (2Ah) failed: sense 3/0C/00 Medium error, write error');
  });

  it('names the MMC commands a burner sends, and the write set-up ones', () => {
    expect(scsiCommandName(0x5d)).toBe('SEND CUE SHEET');
    expect(scsiCommandName(0xfe)).toBe('OPCODE FEh');
    expect([...WRITE_SETUP_OPCODES].map(scsiCommandName).sort()).toEqual(['MODE SELECT', 'MODE SELECT(6)', 'RESERVE TRACK', 'SEND CUE SHEET']);
  });
});
