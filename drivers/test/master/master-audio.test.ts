/**
 * masterAudioDisc without a drive: cdrdao is replayed from the recorded QEMU
 * runs (stderr verbatim, in the chunks a pipe delivers, and the files it
 * leaves), toc2cue is either replayed or run for real on the TOC file.
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  DriveGoneError,
  NoMediaError,
  ReadError,
  ToolError,
  ToolMissingError,
} from '../../src/errors.js';
import { masterAudioDisc, rewriteCueFile, rewriteTocFile } from '../../src/master/index.js';
import type { MasterProgress } from '../../src/master/index.js';
import { defaultSpawner } from '../../src/tool-process.js';
import type { ChildLike, Spawner } from '../../src/tool-process.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeCall, FakeReply } from '../support/fake-spawner.js';
import { loadSample, parseSample, readFixture } from '../support/load-sample.js';
import { hasProgram } from '../support/pseudo-media.js';
import { makeTempDir } from '../support/test-images.js';

let work: ReturnType<typeof makeTempDir>;
let n = 0;

function outDir(): string {
  const dir = path.join(work.dir, `out-${++n}`);
  mkdirSync(dir);
  return dir;
}

/** The recorded TOC file cdrdao wrote (`DATAFILE "/tmp/r/raw2.bin" …`), without the `ls` line of the capture. */
const RECORDED_TOC = parseSample(readFixture('qemu-cdrdao-read-cd-raw-toc-file.txt')).output.split('\n-rw')[0]!.trimEnd() + '\n';
/** The recorded CUE sheet toc2cue made of it (`FILE "/tmp/r/raw2.bin" BINARY`). */
const RECORDED_CUE = `${parseSample(readFixture('qemu-toc2cue-readraw.txt')).output.slice(
  parseSample(readFixture('qemu-toc2cue-readraw.txt')).output.indexOf('FILE "'),
).trimEnd()}\n`;
/** cdrdao's stderr of the successful raw read (9398 frames, MODE1_RAW). */
const READ_OK = loadSample('qemu-cdrdao-read-cd-raw.txt');
const FRAMES = 9398;

/** Pipe-sized pieces of a text, cut anywhere (also inside a `MM:SS:00` progress piece). */
function chunked(text: string, size = 37): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** What the fake cdrdao leaves in its cwd: a BIN of `frames` frames (sparse) and a TOC. */
function writeCdrdaoFiles(call: FakeCall, toc: (datafile: string) => string, frames = FRAMES): void {
  const cwd = call.request.cwd ?? '.';
  const datafile = call.args[call.args.indexOf('--datafile') + 1]!;
  const tocFile = call.args.at(-1)!;
  const fd = openSync(path.resolve(cwd, datafile), 'wx');
  try {
    ftruncateSync(fd, frames * 2352);
  } finally {
    closeSync(fd);
  }
  writeFileSync(path.resolve(cwd, tocFile), toc(datafile), { flag: 'wx' });
}

/** cdrdao as recorded in QEMU; toc2cue as recorded (writing the recorded sheet). */
function recordedTools(options: { cdrdao?: (call: FakeCall) => FakeReply; toc2cue?: (call: FakeCall) => FakeReply } = {}): ReturnType<typeof fakeSpawner> {
  return fakeSpawner((call) => {
    if (call.program === 'cdrdao') {
      if (options.cdrdao) return options.cdrdao(call);
      // The recorded TOC, as cdrdao writes it: DATAFILE names the --datafile argument.
      writeCdrdaoFiles(call, () => RECORDED_TOC);
      return { stderr: chunked(READ_OK.stderr), exitCode: 0 };
    }
    if (call.program === 'toc2cue') {
      if (options.toc2cue) return options.toc2cue(call);
      writeFileSync(path.resolve(call.request.cwd ?? '.', call.args[1]!), RECORDED_CUE, { flag: 'wx' });
      return { stdout: loadSample('toc2cue-raw.txt').stdout, exitCode: 0 };
    }
    throw new Error(`unexpected program ${call.program}`);
  });
}

beforeAll(() => {
  work = makeTempDir('master-audio-');
});
afterAll(() => work.cleanup());

describe('masterAudioDisc with recorded cdrdao/toc2cue runs', () => {
  it('runs cdrdao read-cd --read-raw and toc2cue with argument arrays in a fresh work directory', async () => {
    const dir = outDir();
    const { spawner, calls } = recordedTools();
    await masterAudioDisc('/dev/sr0', dir, 'master', { spawner });
    expect(calls.map((c) => [c.program, c.args])).toEqual([
      ['cdrdao', ['read-cd', '--read-raw', '--device', '/dev/sr0', '--datafile', 'master.bin', 'master.toc']],
      ['toc2cue', ['master.toc', 'master.cue']],
    ]);
    const cwd = calls[0]!.request.cwd!;
    expect(path.dirname(cwd)).toBe(dir);
    expect(path.basename(cwd)).toMatch(/^\.master\.master-/);
    expect(calls[1]!.request.cwd).toBe(cwd);
  });

  it('moves BIN, TOC and CUE into place with the FILE lines naming the final BIN, and reports progress', async () => {
    const dir = outDir();
    const { spawner } = recordedTools();
    const progress: MasterProgress[] = [];
    const result = await masterAudioDisc('/dev/sr0', dir, 'master', { spawner, onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    expect(readdirSync(dir).sort()).toEqual(['master.bin', 'master.cue', 'master.toc']);
    const cue = readFileSync(path.join(dir, 'master.cue'), 'latin1');
    expect(cue).toBe('FILE "master.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n');
    const toc = readFileSync(path.join(dir, 'master.toc'), 'latin1');
    expect(toc).toContain('DATAFILE "master.bin" 02:05:23 // length in bytes: 22104096');
    expect(toc).not.toContain('/tmp/r/raw2.bin');
    expect(result).toMatchObject({
      format: 'bin-cue',
      binPath: path.join(dir, 'master.bin'),
      cuePath: path.join(dir, 'master.cue'),
      tocPath: path.join(dir, 'master.toc'),
      bytes: FRAMES * 2352,
      sectors: FRAMES,
      tracks: [{ track: 1, mode: 'MODE1_RAW', startSector: 0, lengthSectors: FRAMES }],
      harmlessErrors: ['ERROR: Cannot get catalog number.'],
    });
    expect(result.sha256).toBe(createHash('sha256').update(Buffer.alloc(FRAMES * 2352)).digest('hex'));
    // One report per MM:SS:00 piece (the recording has 60-odd), total from the Leadout line, then the final one.
    const positions = progress.slice(0, -1);
    expect(positions.length).toBeGreaterThan(50);
    expect(positions[0]).toMatchObject({ bytesRead: 75 * 2352, bytesTotal: FRAMES * 2352, unreadableSectors: 0 });
    for (let i = 1; i < positions.length; i++) expect(positions[i]!.bytesRead).toBeGreaterThan(positions[i - 1]!.bytesRead);
    expect(positions.at(-1)!.bytesRead).toBeLessThan(FRAMES * 2352);
    expect(progress.at(-1)).toMatchObject({ bytesRead: FRAMES * 2352, bytesTotal: FRAMES * 2352 });
  });

  it('replaces older files of the same names', async () => {
    const dir = outDir();
    writeFileSync(path.join(dir, 'master.cue'), 'old');
    const { spawner } = recordedTools();
    await masterAudioDisc('/dev/sr0', dir, 'master', { spawner });
    expect(readFileSync(path.join(dir, 'master.cue'), 'latin1')).toContain('FILE "master.bin" BINARY');
    expect(readdirSync(dir).sort()).toEqual(['master.bin', 'master.cue', 'master.toc']);
  });

  it.each([
    ['qemu-bad-cdrdao-read-cd-raw.txt', ReadError],
    ['qemu-nodisc-cdrdao-read-cd.txt', NoMediaError],
    ['cdrdao-read-cd-missing.txt', DriveGoneError],
  ] as const)('%s: a typed error, toc2cue not run, nothing left in the directory', async (sample, type) => {
    const dir = outDir();
    const run = loadSample(sample);
    const { spawner, calls } = recordedTools({
      cdrdao: (call) => {
        // A failed read can leave a partial BIN behind in the work directory.
        if (sample.includes('bad')) writeCdrdaoFiles(call, () => RECORDED_TOC, 100);
        return { stderr: chunked(run.stderr), exitCode: run.exitCode ?? 1 };
      },
    });
    const err = await masterAudioDisc('/dev/sr0', dir, 'master', { spawner }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as ToolError).tool?.tool).toBe('cdrdao');
    expect(calls.map((c) => c.program)).toEqual(['cdrdao']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exit 0 without "finished successfully" is not a success', async () => {
    const dir = outDir();
    const truncated = READ_OK.stderr.slice(0, READ_OK.stderr.indexOf('Found CD-TEXT data.'));
    const { spawner } = recordedTools({
      cdrdao: (call) => {
        writeCdrdaoFiles(call, () => RECORDED_TOC);
        return { stderr: chunked(truncated), exitCode: 0 };
      },
    });
    await expect(masterAudioDisc('/dev/sr0', dir, 'master', { spawner })).rejects.toBeInstanceOf(ToolError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failing toc2cue fails the master and leaves nothing', async () => {
    const dir = outDir();
    const { spawner } = recordedTools({ toc2cue: () => ({ stderr: 'ERROR: Cannot read toc-file\n', exitCode: 1 }) });
    const err = await masterAudioDisc('/dev/sr0', dir, 'master', { spawner }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).tool?.tool).toBe('toc2cue');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the package when cdrdao is not installed', async () => {
    const dir = outDir();
    const missing: Spawner = () => {
      const child = new EventEmitter() as EventEmitter & ChildLike;
      Object.assign(child, { stdout: new PassThrough(), stderr: new PassThrough(), kill: () => true });
      setImmediate(() => child.emit('error', Object.assign(new Error('spawn cdrdao ENOENT'), { code: 'ENOENT' })));
      return child;
    };
    const err = await masterAudioDisc('/dev/sr0', dir, 'master', { spawner: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect((err as ToolMissingError).debianPackage).toBe('cdrdao');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('cancels a running cdrdao: CancelledError, the work directory removed', async () => {
    const dir = outDir();
    const controller = new AbortController();
    const signals: string[] = [];
    // A cdrdao that prints its progress and runs until killed. Its pid is above PID_MAX_LIMIT (2^22),
    // so the group kill finds no process and falls back to child.kill().
    const hanging: Spawner = (_program, args, request) => {
      const child = new EventEmitter() as EventEmitter & ChildLike;
      const stderr = new PassThrough();
      Object.assign(child, {
        pid: 4_194_304 + 77,
        stdout: new PassThrough(),
        stderr,
        kill: (signal?: NodeJS.Signals) => {
          signals.push(signal ?? 'SIGTERM');
          setImmediate(() => child.emit('close', null, signal ?? 'SIGTERM'));
          return true;
        },
      });
      writeCdrdaoFiles({ program: 'cdrdao', args, request }, () => RECORDED_TOC, 10);
      setImmediate(() => stderr.write(READ_OK.stderr.slice(0, READ_OK.stderr.indexOf('00:05:00'))));
      return child;
    };
    const err = await masterAudioDisc('/dev/sr0', dir, 'master', {
      spawner: hanging,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytesRead >= 3 * 75 * 2352) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(signals[0]).toBe('SIGTERM');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!hasProgram('toc2cue'))('keeps pregaps and CD-TEXT of an audio CD with the real toc2cue', async () => {
    const dir = outDir();
    // A TOC file as cdrdao read-cd writes it for a two-track audio CD with CD-TEXT and a 2 s pregap before track 2.
    const audioToc = (datafile: string): string =>
      [
        'CD_DA',
        '',
        'CD_TEXT {',
        '  LANGUAGE_MAP {',
        '    0 : EN',
        '  }',
        '  LANGUAGE 0 {',
        '    TITLE "Master \\"Disc\\""',
        '    PERFORMER "Tower"',
        '  }',
        '}',
        '',
        '// Track 1',
        'TRACK AUDIO',
        'NO COPY',
        'NO PRE_EMPHASIS',
        'TWO_CHANNEL_AUDIO',
        'CD_TEXT {',
        '  LANGUAGE 0 {',
        '    TITLE "FILE \\"x.bin\\""',
        '  }',
        '}',
        `FILE "${datafile}" 0 00:04:00`,
        '',
        '// Track 2',
        'TRACK AUDIO',
        'NO COPY',
        'NO PRE_EMPHASIS',
        'TWO_CHANNEL_AUDIO',
        `FILE "${datafile}" 00:04:00 00:06:00`,
        'START 00:02:00',
        '',
      ].join('\n');
    const fake = recordedTools({
      cdrdao: (call) => {
        writeCdrdaoFiles(call, () => audioToc(path.resolve(call.request.cwd ?? '.', 'master.bin')), 750);
        return { stderr: chunked(READ_OK.stderr), exitCode: 0 };
      },
    });
    const spawner: Spawner = (program, args, request) =>
      program === 'toc2cue' ? defaultSpawner(program, args, request) : fake.spawner(program, args, request);
    const result = await masterAudioDisc('/dev/sr0', dir, 'master', { spawner });
    const cue = readFileSync(result.cuePath, 'latin1');
    expect(cue).toBe('FILE "master.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 00 00:04:00\n    INDEX 01 00:06:00\n');
    const toc = readFileSync(result.tocPath, 'latin1');
    expect(toc).toBe(audioToc('master.bin'));
    expect(readdirSync(dir).sort()).toEqual(['master.bin', 'master.cue', 'master.toc']);
  });

  it('rejects base names that are paths', async () => {
    await expect(masterAudioDisc('/dev/sr0', work.dir, '../x')).rejects.toBeInstanceOf(RangeError);
    await expect(masterAudioDisc('/dev/sr0', work.dir, '')).rejects.toBeInstanceOf(RangeError);
  });
});

describe('FILE line rewriting', () => {
  it('rewrites every FILE of a CUE sheet, quoted or not', () => {
    expect(rewriteCueFile('FILE "/tmp/r/raw2.bin" BINARY\n  TRACK 01 MODE1/2352\nFILE x.bin BINARY\n', 'm.bin')).toBe(
      'FILE "m.bin" BINARY\n  TRACK 01 MODE1/2352\nFILE "m.bin" BINARY\n',
    );
  });

  it('rewrites DATAFILE and FILE of a TOC file but not CD-TEXT strings', () => {
    const toc = 'TRACK MODE1_RAW\nDATAFILE "/tmp/r/raw2.bin" 02:05:23 // length\n  TITLE "FILE \\"a.bin\\""\nFILE "/a b/c.bin" 0 00:04:00\n';
    expect(rewriteTocFile(toc, 'm.bin')).toBe('TRACK MODE1_RAW\nDATAFILE "m.bin" 02:05:23 // length\n  TITLE "FILE \\"a.bin\\""\nFILE "m.bin" 0 00:04:00\n');
  });
});
