/**
 * Splitting tool output into progress pieces: the read and burn tools end
 * progress lines with CR and everything else with LF, so both separate.
 */

/** Split text on CR and LF. `rest` is the unterminated tail (keep it for the next chunk). */
export function splitPieces(text: string): { pieces: string[]; rest: string } {
  const parts = text.split(/\r\n|\r|\n/);
  const rest = parts.pop() ?? '';
  return { pieces: parts, rest };
}

/** Every CR/LF-separated piece of a complete output, the last one included. */
export function allPieces(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
