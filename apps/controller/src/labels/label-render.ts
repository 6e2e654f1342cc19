/**
 * Rendering an SVG label to a print-ready PDF with librsvg's
 * `rsvg-convert -f pdf` (SVG on stdin, PDF on stdout: no temporary file),
 * and sending a PDF to a CUPS queue with `lp` (the PDF on stdin). Both are
 * spawned with argument arrays, never a shell, and killed when they take
 * longer than their timeout.
 */
import { spawn } from 'node:child_process';

/** Why a tool failed, in words (its own stderr when it said something). */
export class ToolError extends Error {
  constructor(message: string, readonly code: 'MISSING' | 'FAILED' | 'TIMEOUT') {
    super(message);
    this.name = 'ToolError';
  }
}

/** What a finished tool gave back. */
interface ToolResult {
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Largest PDF or output taken from a tool, bytes. */
const MAX_OUTPUT = 32 * 1024 * 1024;

/** Run `program args` with `input` on stdin; resolves on exit 0, else rejects with a `ToolError`. */
export function runTool(program: string, args: readonly string[], input: Buffer | string, timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes <= MAX_OUTPUT) out.push(b);
      else child.kill('SIGKILL');
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 4000) err += b.toString('utf8');
    });
    // A tool that exits before reading all its input makes the pipe fail: its exit status says why.
    child.stdin.on('error', () => undefined);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ToolError(e.code === 'ENOENT' ? `${program} is not installed (not found on PATH)` : `${program}: ${e.message}`, e.code === 'ENOENT' ? 'MISSING' : 'FAILED'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const said = firstLines(err);
      if (timedOut) reject(new ToolError(`${program} gave no answer within ${timeoutMs} ms`, 'TIMEOUT'));
      else if (outBytes > MAX_OUTPUT) reject(new ToolError(`${program} wrote more than ${MAX_OUTPUT} bytes`, 'FAILED'));
      else if (code !== 0) reject(new ToolError(`${program} failed (${signal ?? `exit ${code}`})${said === '' ? '' : `: ${said}`}`, 'FAILED'));
      else resolve({ stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(input);
  });
}

function firstLines(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(0, 3).join('; ').slice(0, 500);
}

/** Render an SVG document to PDF bytes. Rejects with the renderer's own words for a document it cannot read. */
export async function renderSvgToPdf(svg: string, timeoutMs = 30_000): Promise<Buffer> {
  const { stdout } = await runTool('rsvg-convert', ['-f', 'pdf'], svg, timeoutMs);
  if (!stdout.subarray(0, 5).equals(Buffer.from('%PDF-'))) throw new ToolError('rsvg-convert gave no PDF', 'FAILED');
  return stdout;
}

/** Where labels are printed: `lp -h <server> -d <queue>`. */
export interface PrinterTarget {
  /** CUPS server: `host[:port]` or a socket path; null: lp's default. */
  readonly server: string | null;
  readonly queue: string;
}

/** Send a PDF to a CUPS queue; the request id CUPS gave it (`labels-12`). */
export async function printPdf(target: PrinterTarget, pdf: Buffer, title: string, timeoutMs = 30_000): Promise<string> {
  const args = [...(target.server === null ? [] : ['-h', target.server]), '-d', target.queue, '-t', title.slice(0, 200)];
  const { stdout } = await runTool('lp', args, pdf, timeoutMs);
  const text = stdout.toString('utf8');
  // "request id is labels-12 (1 file(s))"
  const m = /request id is (\S+)/.exec(text);
  if (m === null) throw new ToolError(`lp answered without a request id: ${firstLines(text) || '(nothing)'}`, 'FAILED');
  return m[1] ?? '';
}
