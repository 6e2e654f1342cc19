/**
 * Refusals of an image built from a folder (folder-image-builder.ts). Each
 * has its own class and stable `code`, like the library's other errors.
 */
import { ImageValidationError, LibraryError } from './errors.js';

/** The folder (or the boot image in it) is refused: outside the import roots, missing, not a folder, a link escaping the roots, a special file. */
export class BuildFolderError extends LibraryError {
  readonly code = 'BUILD_FOLDER_REFUSED';
  constructor(
    readonly requestedPath: string,
    reason: string,
  ) {
    super(`cannot build an image from ${requestedPath}: ${reason}`);
  }
}

/** Options that cannot be honoured together (a file over 4 GiB with `udf`, a boot image outside the folder...). */
export class BuildOptionsError extends LibraryError {
  readonly code = 'BUILD_OPTIONS_REFUSED';
}

/** The image would not fit the chosen media; nothing was built. */
export class BuildTooLargeForMediaError extends ImageValidationError {
  readonly code = 'BUILD_TOO_LARGE_FOR_MEDIA';
  constructor(
    readonly sectors: number,
    readonly capacitySectors: number,
    readonly media: string,
  ) {
    super(
      `the image would take ${sectors} sectors (${(sectors * 2048 / 1e9).toFixed(2)} GB), ${media} holds ${capacitySectors} `
      + `(${(capacitySectors * 2048 / 1e9).toFixed(2)} GB): choose larger media or fewer files`,
    );
  }
}

/** The folder changed while the image was built (files added, removed, grown, touched); nothing was kept. */
export class FolderChangedError extends LibraryError {
  readonly code = 'FOLDER_CHANGED_DURING_BUILD';
  constructor(readonly changes: readonly string[]) {
    super(`the folder changed while the image was built, nothing was kept: ${changes.slice(0, 5).join('; ')}${changes.length > 5 ? `; and ${changes.length - 5} more` : ''}. Build again once nothing writes to it`);
  }
}

/** The image tool (xorriso, genisoimage) failed; its last messages are in the message. */
export class BuildToolError extends LibraryError {
  readonly code = 'IMAGE_BUILD_FAILED';
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** The tool's own messages about files that changed while it read them (xorriso fails on a file that grew). */
    readonly changed: readonly string[] = [],
  ) {
    super(message, options);
  }
}
