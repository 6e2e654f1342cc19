/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for the
 * tests: every line must be a `# HELP`, a `# TYPE` or a sample of a family
 * declared before it; names, label names, escapes and values are checked as
 * the format defines them; histograms must have rising `le` buckets ending
 * in `+Inf`, cumulative counts, and `_count` equal to the `+Inf` bucket.
 * Anything else throws, naming the line.
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family. */
export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parse an exposition; families by name. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family & { samples: Sample[] }>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line.slice(0, 120))})`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (m === null) throw new Error(`${where}: a comment must be "# HELP name text" or "# TYPE name type"`);
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const f = families.get(name) ?? { name, type: 'untyped' as const, help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        families.set(name, { ...f, type: rest as Family['type'] });
      } else {
        families.set(name, { ...f, help: unescapeHelp(rest, where) });
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (family === undefined) throw new Error(`${where}: sample of an undeclared family`);
    family.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** The value of the one sample of `name` with exactly these labels (a subset match would be ambiguous), or undefined. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(name, families);
  const want = JSON.stringify(Object.entries(labels).sort());
  return family?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}

/** Samples of `name` whose labels include `labels`. */
export function samplesOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const family = familyOf(name, families);
  return (family?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function familyOf<F extends Family>(sampleName: string, families: Map<string, F>): F | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  const base = m === null ? undefined : families.get(m[1] ?? '');
  return base !== undefined && (base.type === 'histogram' || (base.type === 'summary' && m?.[2] !== 'bucket')) ? base : undefined;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (m === null) throw new Error(`${where}: not a sample line`);
  const [, name, rawLabels, rawValue] = m as unknown as [string, string, string | undefined, string];
  return { name, labels: rawLabels === undefined ? {} : parseLabels(rawLabels, where), value: parseValue(rawValue, where) };
}

function parseLabels(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 1;
  while (i < text.length - 1) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without =`);
    const name = text.slice(i, eq);
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in out) throw new Error(`${where}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\n') throw new Error(`${where}: raw line feed in a label value`);
      if (c === '\\') {
        const e = text[j + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`${where}: bad escape \\${e ?? ''}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    out[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i !== text.length - 1) throw new Error(`${where}: expected , or } after a label`);
  }
  return out;
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\') return '\\';
    throw new Error(`${where}: bad escape in HELP`);
  });
}

/** Buckets rise in `le`, end at +Inf, counts are cumulative, and `_count` is the +Inf bucket, per label set. */
function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: { le: number; v: number }[]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push({ le: parseValue(le, f.name), v: s.value });
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
    else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else throw new Error(`${f.name}: sample ${s.name} in a histogram`);
  }
  for (const [key, e] of series) {
    const last = e.buckets[e.buckets.length - 1];
    if (last === undefined || last.le !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    e.buckets.forEach((b, i) => {
      const prev = e.buckets[i - 1];
      if (prev !== undefined && (b.le <= prev.le || b.v < prev.v)) throw new Error(`${f.name}${key}: buckets not rising`);
    });
    if (e.count !== last.v || e.sum === undefined) throw new Error(`${f.name}${key}: _count must equal the +Inf bucket, with a _sum`);
  }
}
