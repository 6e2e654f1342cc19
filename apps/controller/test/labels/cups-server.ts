/**
 * A real, private CUPS for the label tests: `cupsd -f` (foreground) with its
 * own configuration, spool, cache, state and log folders under a temp
 * folder, listening on a Unix socket there only (no TCP port, nothing
 * shared with a system cupsd), and one queue on the `cups-pdf` virtual
 * printer (Debian's printer-driver-cups-pdf) whose PDFs land in a folder of
 * the test's.
 *
 * What works on this machine (Debian, CUPS 2.4, cups-pdf 3.0.1, tests run as
 * root in a container without systemd), found by trying:
 * - `cupsd -c <cupsd.conf> -s <cups-files.conf>` with `ServerRoot`,
 *   `RequestRoot`, `CacheDir`, `StateDir`, `TempDir`, the logs and
 *   `Printcap` in the temp folder. `User root` is refused by cupsd ("Will not
 *   use User root"), so the default `lp` user runs the filters; the cups-pdf
 *   backend is mode 0700 and so runs as root.
 * - `lpadmin -h <socket> -p <queue> -E -v cups-pdf:/<queue> -m
 *   lsb/usr/cups-pdf/CUPS-PDF_opt.ppd` (the PPD is
 *   /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd). cups-pdf reads its
 *   configuration from /etc/cups only (its build's path, not cupsd's
 *   ServerRoot), but for a device URI `cups-pdf:/<name>` it reads
 *   `/etc/cups/cups-pdf-<name>.conf` instead of the global cups-pdf.conf.
 *   So each test writes its own `cups-pdf-<queue>.conf` there (its `Out`,
 *   `Spool` and `Log` in the temp folder) and removes it at the end; the
 *   global /etc/cups/cups-pdf.conf is never touched.
 * - `pdftops-renderer-default=pdftops`: with the default renderer
 *   (Ghostscript) the PDF that comes out has its text turned into outlines,
 *   and pdftotext finds nothing; with poppler's pdftops the fonts and their
 *   text survive the PDF → PostScript → PDF trip.
 * - The temp folder is made 0755: the filters (as `lp`) must reach the
 *   spool's temp folder, else pdftopdf fails ("Unable to copy PDF file:
 *   Permission denied") and cups-pdf still writes an empty PDF.
 * - cupsd is stopped with SIGTERM at the end (its process id only).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pdfText } from './pdf-text.js';

/** The cups-pdf model PPD as lpadmin names it. */
const CUPS_PDF_PPD = 'lsb/usr/cups-pdf/CUPS-PDF_opt.ppd';

/** A private cupsd with one cups-pdf queue. */
export interface CupsServer {
  /** What `lp -h` takes: the socket path. */
  readonly server: string;
  readonly queue: string;
  /** Where cups-pdf writes the PDFs it prints. */
  readonly outDir: string;
  /** The PDFs printed so far, by file name (a PDF cups-pdf is still writing may be among them: see `waitForPdfs`). */
  printed(): string[];
  /**
   * Wait until at least `n` PDFs are there and the queue has no job left
   * that is not completed (so each PDF is whole); their texts (pdftotext),
   * by file name.
   */
  waitForPdfs(n: number, timeoutMs?: number): Promise<Map<string, string>>;
  /** The tail of cupsd's error log (for a failing test's message). */
  errorLog(): string;
  stop(): Promise<void>;
}

function run(program: string, args: readonly string[]): string {
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** Start cupsd and add the queue; resolves once the queue takes jobs. */
export async function startCups(): Promise<CupsServer> {
  const dir = mkdtempSync('/tmp/tower-cups-');
  // The filters run as cupsd's `lp` user: they must reach the spool's temp folder (mkdtemp makes the folder 0700).
  chmodSync(dir, 0o755);
  for (const d of ['root', 'spool', 'spool/tmp', 'cache', 'state', 'log', 'out', 'pdf-spool']) mkdirSync(path.join(dir, d), { recursive: true });
  const socket = path.join(dir, 'cups.sock');
  const queue = `tower-labels-${path.basename(dir).slice('tower-cups-'.length).replace(/[^A-Za-z0-9]/g, '')}`;
  const cupsdConf = path.join(dir, 'root', 'cupsd.conf');
  const filesConf = path.join(dir, 'root', 'cups-files.conf');
  writeFileSync(cupsdConf, [
    `Listen ${socket}`, 'LogLevel info', 'WebInterface No', 'Browsing No', 'DefaultAuthType None',
    '<Location />', '  Order allow,deny', '  Allow all', '</Location>',
    '<Policy default>', '  <Limit All>', '    Order deny,allow', '  </Limit>', '</Policy>', '',
  ].join('\n'));
  writeFileSync(filesConf, [
    `ServerRoot ${dir}/root`, `RequestRoot ${dir}/spool`, `TempDir ${dir}/spool/tmp`, `CacheDir ${dir}/cache`, `StateDir ${dir}/state`,
    `AccessLog ${dir}/log/access_log`, `ErrorLog ${dir}/log/error_log`, `PageLog ${dir}/log/page_log`, `Printcap ${dir}/printcap`, '',
  ].join('\n'));
  const pdfConf = `/etc/cups/cups-pdf-${queue}.conf`;
  writeFileSync(pdfConf, [`Out ${dir}/out`, `AnonDirName ${dir}/out`, `Spool ${dir}/pdf-spool`, `Log ${dir}/log`, 'Grp root', 'LogType 3', ''].join('\n'));
  const cupsd: ChildProcess = spawn('cupsd', ['-f', '-c', cupsdConf, '-s', filesConf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  cupsd.stdout?.on('data', (b: Buffer) => (said += b.toString()));
  cupsd.stderr?.on('data', (b: Buffer) => (said += b.toString()));
  const exited = new Promise<void>((resolve) => cupsd.once('exit', () => resolve()));
  const cleanup = (): void => {
    rmSync(pdfConf, { force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const until = Date.now() + 20_000;
    while (!existsSync(socket)) {
      if (cupsd.exitCode !== null || Date.now() > until) throw new Error(`cupsd did not start: ${said}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    run('lpadmin', ['-h', socket, '-p', queue, '-E', '-v', `cups-pdf:/${queue}`, '-m', CUPS_PDF_PPD, '-o', 'pdftops-renderer-default=pdftops']);
  } catch (err) {
    cupsd.kill('SIGTERM');
    await exited;
    cleanup();
    throw err;
  }
  const outDir = path.join(dir, 'out');
  const printed = (): string[] => readdirSync(outDir).filter((f) => f.endsWith('.pdf')).sort();
  const errorLog = (): string => {
    try {
      return run('tail', ['-n', '30', path.join(dir, 'log', 'error_log')]);
    } catch {
      return '';
    }
  };
  return {
    server: socket,
    queue,
    outDir,
    printed,
    errorLog,
    async waitForPdfs(n, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // `lpstat -o` lists the jobs not completed yet.
        if (printed().length >= n && run('lpstat', ['-h', socket, '-o', queue]).trim() === '') break;
        if (Date.now() > until) throw new Error(`${printed().length} of ${n} PDFs printed; cupsd says:\n${errorLog()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return new Map(printed().map((f) => [f, pdfText(readFileSync(path.join(outDir, f)))]));
    },
    async stop() {
      if (cupsd.exitCode === null) {
        cupsd.kill('SIGTERM');
        await exited;
      }
      cleanup();
    },
  };
}
