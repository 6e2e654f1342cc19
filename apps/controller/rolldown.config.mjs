/**
 * The `tower` CLI as a bundle (`npm run build` runs it after tsc): the
 * compiled dist/cli/tower.js and what it imports from this package, the
 * workspace packages and commander, joined into a few files in dist/bundle/,
 * which bin/tower.js loads. Each command module stays its own chunk, loaded
 * when its command is given (command-registry.ts), so `tower run` reads the
 * entry, its command's chunk and the chunks they share: a handful of files
 * instead of about forty, each a round trip on a slow root filesystem (the
 * rig's QEMU guest reads every file over 9p).
 *
 * Every other package stays external and is loaded from node_modules as
 * before (fastify, bullmq with the Lua files it reads at runtime, ioredis,
 * socket.io, typebox …): only the server paths import them.
 * dist/bundle/ sits as deep as dist/cli/ and dist/server/, so the paths
 * the code resolves from its own URL (../../package.json, ../../assets)
 * still land in this package.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { defineConfig } from 'rolldown';

/** Bare imports joined into the bundle: the workspace packages and commander. */
const BUNDLED = /^(?:commander|node-cdrecord-wrapper|@tower\/(?:jobs|agent))(?:\/|$)/;
const BUILTIN = new Set(builtinModules);

/** True for an import that stays a runtime import: Node's own modules and every other package. */
function external(id) {
  if (id.startsWith('node:') || BUILTIN.has(id)) return true;
  if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
  return !BUNDLED.test(id);
}

/** The command modules command-registry.js imports by name: each stays its own chunk. */
const COMMAND_MODULES = new Set(
  [...readFileSync('dist/cli/command-registry.js', 'utf8').matchAll(/import\('\.\/([\w-]+\.js)'\)/g)].map((m) => m[1]),
);
if (COMMAND_MODULES.size === 0) throw new Error('no command modules found in dist/cli/command-registry.js');

/**
 * What every controller command needs beside its own module: the CLI's other modules (output, arguments,
 * the API client, views, the live lines), the units and the drivers' error classes. One chunk, so a
 * command reads three or four files; the modules reach no package at load (socket.io-client and the
 * drivers are imported where used).
 */
function cliCommon(id) {
  const m = /[\\/]apps[\\/]controller[\\/]dist[\\/]cli[\\/]([\w-]+\.js)$/.exec(id);
  if (m) return m[1] !== 'tower.js' && !COMMAND_MODULES.has(m[1]);
  return /[\\/]apps[\\/]controller[\\/]dist[\\/]shared[\\/]units\.js$/.test(id) || /[\\/]drivers[\\/]dist[\\/]errors\.js$/.test(id);
}

/** How long a chunk of an earlier build is kept, ms. */
const STALE_MS = 24 * 3600_000;

/**
 * A rebuild leaves the chunks of the build before it for a day: a `tower`
 * process started before it (a `tower start` during development) imports
 * its chunks lazily, and finds them unchanged. Chunk names carry a hash of
 * their content, so what a new build writes never replaces one of them.
 */
const pruneStaleChunks = {
  name: 'prune-stale-chunks',
  writeBundle(options, bundle) {
    const now = Date.now();
    for (const file of readdirSync(options.dir)) {
      const full = path.join(options.dir, file);
      if (!(file in bundle) && now - statSync(full).mtimeMs > STALE_MS) rmSync(full, { force: true });
    }
  },
};

/**
 * commander requires node:child_process at load, for its executable
 * subcommands (`program.command(name, description)`), which `tower` has none
 * of: loading it (with net, dgram and their kin, Node's own modules compiled
 * at each start) is 30-60 ms of every command's start in the rig's QEMU
 * guest. The require is made when commander first spawns, if ever.
 */
const COMMANDER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyCommanderChildProcess = {
  name: 'lazy-commander-child-process',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    if (!code.includes(COMMANDER_CHILD_PROCESS)) throw new Error(`${id}: commander no longer requires node:child_process as this build expects`);
    return code.replace(COMMANDER_CHILD_PROCESS, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };");
  },
};

export default defineConfig({
  input: { tower: 'dist/cli/tower.js' },
  platform: 'node',
  external,
  plugins: [pruneStaleChunks, lazyCommanderChildProcess],
  output: {
    dir: 'dist/bundle',
    format: 'esm',
    // .mjs: a module's format is known from its name, so loading one looks up no package.json
    // (dist/bundle/ and dist/ have none: two failed lookups, each a round trip on the rig guest's 9p root).
    entryFileNames: '[name].mjs',
    chunkFileNames: '[name]-[hash].mjs',
    codeSplitting: { groups: [{ name: 'cli-common', test: cliCommon }] },
  },
});
