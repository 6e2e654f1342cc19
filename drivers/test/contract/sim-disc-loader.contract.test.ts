/**
 * The disc loader contract against a simulated drive's auto-loader
 * (`SimDiscLoader`): 3 blanks, bins for 2 good discs and 1 coaster.
 */
import { SimDiscLoader, SimulatedDrive } from '../../src/sim/index.js';
import { describeDiscLoaderContract } from './describe-disc-loader-contract.js';

describeDiscLoaderContract('simulated auto-loader', {
  open: async () => {
    const drive = new SimulatedDrive({
      index: 0,
      media: null,
      timeScale: 0.001,
      autoLoader: { media: 'DVD+R', stack: 3, loadDelayMs: 2000, binCapacity: { passed: 2, failed: 1 } },
    });
    const auto = drive.autoLoader!;
    return {
      loader: new SimDiscLoader(drive),
      drive,
      emptyReject: async () => auto.emptyBin('failed'),
      refill: async () => auto.refill(2),
      cleanup: async () => drive.dispose(),
    };
  },
});
