// Runs inside the rig's QEMU guest (chroot into the host root, see
// test/vm/guest/init), driven by test/rig/guest-shell.ts:
//
//   node rig-shell.guest.mjs /run/tower-vm/plan.json
//
// A command server over the writable 9p share: the host drops
// cmd/<id>.json ({ argv, env?, cwd?, timeoutMs? }, or { kill: id, signal },
// or { exit: true }); the guest starts the program with an argument array
// (never a shell) in its own process group, its output in out/<id>.out and
// out/<id>.err, and writes done/<id>.json ({ code, signal, ms }) when it
// ends. Console lines "@@TOWER-VM {json}" are events for the host.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const MARK = '@@TOWER-VM ';
const emit = (event, data = {}) => process.stdout.write(`${MARK}${JSON.stringify({ event, t: Math.round(performance.now()), ...data })}\n`);

const share = path.dirname(process.argv[2]);
const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const d of ['cmd', 'out', 'done', 'started']) mkdirSync(path.join(share, d), { recursive: true });

const children = new Map();
const seen = new Set();

function writeJson(file, value) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, file);
}

function start(id, cmd) {
  const t0 = performance.now();
  const out = openSync(path.join(share, 'out', `${id}.out`), 'w');
  const err = openSync(path.join(share, 'out', `${id}.err`), 'w');
  let child;
  try {
    child = spawn(cmd.argv[0], cmd.argv.slice(1), {
      cwd: cmd.cwd ?? '/',
      env: { ...process.env, ...(plan.env ?? {}), ...(cmd.env ?? {}) },
      stdio: ['ignore', out, err],
      detached: true,
    });
  } catch (e) {
    writeJson(path.join(share, 'done', `${id}.json`), { code: null, signal: null, error: String(e), ms: 0 });
    return;
  } finally {
    closeSync(out);
    closeSync(err);
  }
  children.set(id, child);
  let timer;
  if (cmd.timeoutMs) timer = setTimeout(() => killGroup(child, 'SIGKILL'), cmd.timeoutMs);
  child.once('error', (e) => {
    clearTimeout(timer);
    children.delete(id);
    writeJson(path.join(share, 'done', `${id}.json`), { code: null, signal: null, error: String(e), ms: Math.round(performance.now() - t0) });
  });
  child.once('exit', (code, signal) => {
    clearTimeout(timer);
    children.delete(id);
    writeJson(path.join(share, 'done', `${id}.json`), { code, signal, ms: Math.round(performance.now() - t0) });
  });
  writeJson(path.join(share, 'started', `${id}.json`), { pid: child.pid });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

emit('shell-ready', { pid: process.pid });
for (;;) {
  let names = [];
  try {
    names = readdirSync(path.join(share, 'cmd')).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    emit('guest-error', { reason: `cannot list commands: ${String(e)}` });
  }
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const id = name.slice(0, -'.json'.length);
    let cmd;
    try {
      cmd = JSON.parse(readFileSync(path.join(share, 'cmd', name), 'utf8'));
    } catch (e) {
      writeJson(path.join(share, 'done', `${id}.json`), { code: null, signal: null, error: `bad command file: ${String(e)}`, ms: 0 });
      continue;
    }
    if (cmd.exit) {
      for (const child of children.values()) killGroup(child, 'SIGKILL');
      emit('shell-exit');
      process.exit(0);
    }
    if (cmd.kill !== undefined) {
      const child = children.get(cmd.kill);
      if (child) killGroup(child, cmd.signal ?? 'SIGTERM');
      writeJson(path.join(share, 'done', `${id}.json`), { code: child ? 0 : 1, signal: null, ms: 0 });
      continue;
    }
    start(id, cmd);
  }
  await sleep(50);
}
