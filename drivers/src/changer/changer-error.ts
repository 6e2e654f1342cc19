/**
 * The one error class of a media changer (a jukebox's robot), following
 * errors.ts: a `DriveError` whose `kind` says what went wrong, with a stable
 * `code` per kind and the flags a scheduler acts on. The messages of the
 * `mtx` failures it classifies are in drivers/test/fixtures/samples/tgt-mtx-*.txt.
 */
import { DriveError } from '../errors.js';
import type { DriveErrorOptions } from '../errors.js';

/** What went wrong with the changer. */
export type ChangerErrorKind =
  /** A move's source slot or drive holds no disc (`Source Element Address 1027 is Empty`, `Data Transfer Element 0 is Empty`). */
  | 'source-empty'
  /** A move's destination already holds one (`Storage Element 5 is Already Full`, `Drive 0 Full (…)`). */
  | 'destination-full'
  /** A slot or drive number the changer does not have (`Invalid <storage-element-number> argument '11'`). */
  | 'no-such-element'
  /** The device is not there (`cannot open SCSI device '/dev/sg7' - No such file or directory`). */
  | 'gone'
  /** The device answers but is no media changer (READ ELEMENT STATUS refused: a recorder's sg node, say). */
  | 'not-a-changer'
  /** The changer failed a command (MOVE MEDIUM, READ ELEMENT STATUS) in a way none of the above names. */
  | 'failed'
  /** mtx printed something this library cannot read: nothing is assumed. */
  | 'unreadable';

const FLAGS: Readonly<Record<ChangerErrorKind, { code: string; retryable: boolean; driveFault: boolean; needsOperator: boolean }>> = {
  'source-empty': { code: 'CHANGER_SOURCE_EMPTY', retryable: true, driveFault: false, needsOperator: false },
  'destination-full': { code: 'CHANGER_DESTINATION_FULL', retryable: true, driveFault: false, needsOperator: false },
  'no-such-element': { code: 'CHANGER_NO_SUCH_ELEMENT', retryable: false, driveFault: false, needsOperator: true },
  gone: { code: 'CHANGER_GONE', retryable: true, driveFault: true, needsOperator: true },
  'not-a-changer': { code: 'CHANGER_NOT_A_CHANGER', retryable: false, driveFault: false, needsOperator: true },
  failed: { code: 'CHANGER_COMMAND_FAILED', retryable: true, driveFault: true, needsOperator: false },
  unreadable: { code: 'CHANGER_OUTPUT_UNREADABLE', retryable: true, driveFault: false, needsOperator: false },
};

/** A changer refused or failed a command, or could not be read. `kind` and `code` say which. */
export class ChangerError extends DriveError {
  readonly code: string;
  readonly retryable: boolean;
  readonly driveFault: boolean;
  readonly needsOperator: boolean;

  constructor(
    readonly kind: ChangerErrorKind,
    message: string,
    options: DriveErrorOptions = {},
  ) {
    super(message, options);
    const flags = FLAGS[kind];
    this.code = flags.code;
    this.retryable = flags.retryable;
    this.driveFault = flags.driveFault;
    this.needsOperator = flags.needsOperator;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), kind: this.kind };
  }
}
