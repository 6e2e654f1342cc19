/**
 * A TOC with CD-TEXT on a drive not configured as writing CD-TEXT
 * (see cdrdao-driver.ts): refused before anything is written, so the disc
 * never comes out silently without its CD-TEXT.
 */
import { DriveError } from '../errors.js';

/**
 * The image's TOC has CD-TEXT and this drive is not declared to write it
 * (`"cdText": true` in its tower.json entry). Nothing was written: another
 * drive that declares CD-TEXT may take the copy (`retryable`); no drive fault.
 */
export class CdTextNotDeclaredError extends DriveError {
  readonly code = 'CD_TEXT_NOT_DECLARED';
  readonly retryable = true;
  readonly driveFault = false;
  readonly needsOperator = false;
}
