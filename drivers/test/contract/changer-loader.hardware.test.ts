/**
 * The disc loader contract against a real jukebox: a SCSI media changer
 * driven with mtx (`ChangerLoader` on `MtxChanger`) feeding a real drive.
 *
 *   TEST_CHANGER=/dev/sg1 TEST_CHANGER_DRIVE=/dev/sr0 \
 *   TEST_CHANGER_SLOTS='input=9,10,11 output=12,13 reject=14 spare=15,16' \
 *   npm run test:hardware
 *
 * TEST_CHANGER_ELEMENT is the drive's number in the changer (default 0). The
 * drive must be empty and the input slots must hold 3 blank discs, the other
 * named slots nothing; the suite burns nothing, and a "person" moves discs
 * between the reject, spare and input slots with `mtx transfer`. In CI the
 * rig runs it inside its QEMU guest on tgt's emulated changer and DVD+R
 * recorder (test/rig/changer.rig.test.ts). Skipped when TEST_CHANGER is not set.
 */
import { describe } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import { ChangerLoader, MtxChanger } from '../../src/changer/index.js';
import { describeDiscLoaderContract } from './describe-disc-loader-contract.js';

const device = process.env.TEST_CHANGER ?? '';
const driveAddress = process.env.TEST_CHANGER_DRIVE ?? '';
const element = Number(process.env.TEST_CHANGER_ELEMENT ?? '0');

/** `input=9,10,11 output=12,13 reject=14 spare=15,16` → slot lists by role. */
function parseSlots(text: string): Record<'input' | 'output' | 'reject' | 'spare', number[]> {
  const out = { input: [] as number[], output: [] as number[], reject: [] as number[], spare: [] as number[] };
  for (const part of text.trim().split(/\s+/).filter((p) => p !== '')) {
    const m = /^(input|output|reject|spare)=(\d+(?:,\d+)*)$/.exec(part);
    if (m === null) throw new Error(`TEST_CHANGER_SLOTS: cannot read '${part}' (want e.g. input=9,10,11)`);
    out[m[1] as keyof typeof out] = (m[2] ?? '').split(',').map(Number);
  }
  return out;
}

describe.skipIf(device === '')('real jukebox (needs TEST_CHANGER=/dev/sgN, TEST_CHANGER_DRIVE, TEST_CHANGER_SLOTS)', () => {
  const slots = parseSlots(process.env.TEST_CHANGER_SLOTS ?? '');
  describeDiscLoaderContract(`mtx changer ${device}, drive ${element} (${driveAddress})`, {
    slots: { input: slots.input, output: slots.output, reject: slots.reject },
    open: async () => {
      if (slots.input.length !== 3 || slots.output.length !== 2 || slots.reject.length !== 1 || slots.spare.length !== 2) {
        throw new Error('TEST_CHANGER_SLOTS must name 3 input, 2 output, 1 reject and 2 spare slots');
      }
      const changer = new MtxChanger({ device });
      const drive = new CdrecordDrive({ address: driveAddress });
      const status = await changer.status();
      const full = (n: number): boolean => status.slots[n - 1]?.full === true;
      if (status.drives[element]?.full !== false) throw new Error(`drive ${element} of ${device} must start empty`);
      if (!slots.input.every(full)) throw new Error(`slots ${slots.input.join(', ')} must hold blank discs`);
      if ([...slots.output, ...slots.reject, ...slots.spare].some(full)) throw new Error('the output, reject and spare slots must start empty');
      const move = async (from: readonly number[], to: readonly number[], most: number): Promise<void> => {
        const now = await changer.status();
        const sources = from.filter((n) => now.slots[n - 1]?.full === true).slice(0, most);
        const targets = to.filter((n) => now.slots[n - 1]?.full === false);
        for (const [i, n] of sources.entries()) {
          const target = targets[i];
          if (target === undefined) throw new Error(`no empty slot among ${to.join(', ')} for slot ${n}'s disc`);
          await changer.transfer(n, target);
        }
      };
      return {
        loader: new ChangerLoader({ changer, drive, element, slots: { input: slots.input, output: slots.output, reject: slots.reject } }),
        drive,
        emptyReject: () => move(slots.reject, slots.spare, slots.reject.length),
        refill: () => move(slots.spare, slots.input, 2),
        cleanup: async () => undefined,
      };
    },
  });
});
