/**
 * A drive's declared CD-TEXT writing (`DriveView.writesCdText`, from
 * tower.json `"cdText": true`) in words, the same in the CLI and the UI.
 */

/** `writes CD-TEXT`, `not declared to write CD-TEXT` (a real drive: offered no copy with CD-TEXT), or `burns no TOC file` (not said). */
export function cdTextWriting(writes: boolean | undefined): string {
  if (writes === true) return 'writes CD-TEXT';
  return writes === false ? 'not declared to write CD-TEXT' : 'burns no TOC file';
}
