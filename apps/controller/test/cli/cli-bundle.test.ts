/**
 * The built `tower` (bin/tower.js) loads the bundle rolldown.config.mjs
 * makes, not the compiled modules one by one: `tower runs` and `tower run`
 * read a handful of files (each a round trip on the rig guest's 9p root),
 * and no package from node_modules until a command needs one. Counted by a
 * module hook in the CLI's process that writes every file it loads: so
 * counted, the unbundled dist/cli/tower.js loads 26 for `tower runs`,
 * commander's among them. The bundle's files are .mjs, so that none of
 * them has a package.json looked up for its module format.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../drivers/test/support/test-images.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'tower.js');
const BUNDLE = path.join(ROOT, 'dist', 'bundle', 'tower.mjs');

/** Most files a controller command may load: the launcher, the entry, the commands' common chunk and its own. */
const MOST_FILES = 5;

let temp: { dir: string; cleanup: () => void };
let hooks: string;

beforeAll(async () => {
  temp = makeTempDir('tower-cli-bundle-');
  const log = path.join(temp.dir, 'loaded.txt');
  const hookFile = path.join(temp.dir, 'hooks.mjs');
  // Runs on the loader's thread: each loaded file's path, one a line.
  await writeFile(hookFile, [
    "import { appendFileSync } from 'node:fs';",
    "import { fileURLToPath } from 'node:url';",
    'export async function load(url, context, next) {',
    `  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, fileURLToPath(url) + '\\n');`,
    '  return next(url, context);',
    '}',
  ].join('\n'));
  hooks = path.join(temp.dir, 'register.mjs');
  await writeFile(hooks, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hookFile).href)});\n`);
});

afterAll(() => temp?.cleanup());

/** The files `tower <args>` loads, in order (its exit code too). */
async function filesLoaded(args: string[]): Promise<{ code: number; files: string[]; stdout: string }> {
  const log = path.join(temp.dir, 'loaded.txt');
  await writeFile(log, '');
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    // An unreachable controller: the command loads all it needs before it fails to connect.
    execFile(process.execPath, ['--import', hooks, BIN, ...args, '--url', 'http://127.0.0.1:9', '--json'], { env: { ...process.env, TOWER_TOKEN: 'bundle-test' } }, (err, out) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout: out });
    });
  });
  const files = readFileSync(log, 'utf8').split('\n').filter((f) => f !== '' && f !== hooks);
  return { code, files, stdout };
}

describe.skipIf(!existsSync(BUNDLE))('the bundled tower CLI', () => {
  it('`tower runs` and `tower run` load a handful of files from dist/bundle and none from node_modules', async () => {
    for (const args of [['runs'], ['run', 'img-0123456789abcdef', '--copies', '2', '--wait']]) {
      const { code, files } = await filesLoaded(args);
      expect(code, `tower ${args.join(' ')}: unreachable controller`).toBe(1);
      expect(files[0]).toBe(BIN);
      expect(files.slice(1).every((f) => f.startsWith(path.join(ROOT, 'dist', 'bundle') + path.sep)), files.join('\n')).toBe(true);
      expect(files.length, files.join('\n')).toBeLessThanOrEqual(MOST_FILES);
      // .mjs: Node knows each module's format from its name and looks for no package.json beside it (a failed lookup per folder).
      expect(files.slice(1).filter((f) => !f.endsWith('.mjs')), files.join('\n')).toEqual([]);
      // `tower run IMAGE` loads the template commands only for --template.
      expect(files.filter((f) => path.basename(f).startsWith('template-commands-')), files.join('\n')).toEqual([]);
    }
  });

  it('`tower run` loads none of Node\'s crypto or child_process modules (compiled at each start: slow in the rig\'s guest)', async () => {
    const list = path.join(temp.dir, 'builtins.txt');
    const probe = path.join(temp.dir, 'builtins.mjs');
    await writeFile(probe, `process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, ['--import', probe, BIN, 'run', 'img-0123456789abcdef', '--copies', '2', '--wait', '--url', 'http://127.0.0.1:9', '--json'], { env: { ...process.env, TOWER_TOKEN: 'bundle-test' } }, (err) => {
        resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : -1);
      });
    });
    expect(code).toBe(1);
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule http');
    expect(loaded.filter((m) => /^NativeModule (?:crypto|child_process|internal\/crypto\/.*)$/.test(m))).toEqual([]);
  });

  it('`tower --version` and `-V` print the package\'s version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [BIN, flag], (err, stdout) => (err === null ? resolve(stdout) : reject(err)));
      });
      expect(out, flag).toBe(`${version}\n`);
    }
  });

  it('`tower --help` loads every command module and still lists every command', async () => {
    const { code, files, stdout } = await filesLoaded(['--help']);
    expect(code).toBe(0);
    for (const command of ['drive', 'demo', 'start', 'agent', 'drives', 'images', 'master', 'run', 'runs', 'watch', 'history', 'screens']) {
      expect(stdout, command).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(files.filter((f) => f.includes(`${path.sep}node_modules${path.sep}`))).toEqual([]);
  });
});
