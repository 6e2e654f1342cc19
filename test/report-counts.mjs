#!/usr/bin/env node
/**
 * The robustness counts for the README: faults survived (passed tests of
 * test/faults), bad inputs tried (passed cases of test/bad-input) and fuzz
 * cases run (the run counts named in the passed tests of test/fuzz, "(N runs)").
 *
 *   node test/report-counts.mjs                 # runs the three suites (vitest, JSON reporter)
 *   node test/report-counts.mjs --from out.json # reads a report written by vitest --reporter=json
 *
 * Exits 1 when a test of the three suites failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = process.argv.indexOf('--from');
let report;
if (from > 0 && process.argv[from + 1] !== undefined) {
  report = JSON.parse(readFileSync(process.argv[from + 1], 'utf8'));
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'tower-counts-'));
  const out = path.join(dir, 'report.json');
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const run = spawnSync(process.execPath, [vitest, 'run', '--project', 'unit', '--reporter=json', `--outputFile=${out}`, 'test/faults', 'test/bad-input', 'test/fuzz'], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch (err) {
    console.error(`report-counts: vitest wrote no report (exit ${run.status}): ${err.message}`);
    process.exit(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite = (file) => {
  const rel = path.relative(root, file).split(path.sep).join('/');
  return rel.startsWith('test/faults/') ? 'faults' : rel.startsWith('test/bad-input/') ? 'badInput' : rel.startsWith('test/fuzz/') ? 'fuzz' : null;
};
const counts = { faults: 0, badInput: 0, fuzz: 0 };
const failed = [];
for (const file of report.testResults ?? []) {
  const which = suite(file.name);
  if (which === null) continue;
  for (const t of file.assertionResults ?? []) {
    if (t.status === 'failed') failed.push(t.fullName);
    if (t.status !== 'passed') continue;
    if (which === 'fuzz') counts.fuzz += Number(/\((\d+) runs\)/.exec(t.title)?.[1] ?? 0);
    else if (which === 'badInput' && /still serves the library/.test(t.title)) continue;
    else counts[which] += 1;
  }
}
console.log(`faults survived: ${counts.faults}`);
console.log(`bad inputs tried: ${counts.badInput}`);
console.log(`fuzz cases run: ${counts.fuzz}`);
if (failed.length > 0) {
  console.error(`report-counts: ${failed.length} failed:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
