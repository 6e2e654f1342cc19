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

  it('finds nothing in a good burn or a refusal without sense data', () => {
    const tao = loadStreams('tgt-cdrskin-burn-tao-dvdplusr.txt');
    expect(parseScsiFailures(`${tao.stdout}\n${tao.stderr}`)).toEqual([]);
    const burned = loadStreams('tgt-cdrskin-burn-on-burned-disc.txt');
    expect(parseScsiFailures(`${burned.stdout}\n${burned.stderr}`)).toEqual([]);
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
