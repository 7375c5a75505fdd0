// A parser for the Prometheus text exposition format (version 0.0.4), as the
// edge, the regions and the world gateway write it at /metrics: `# HELP` and
// `# TYPE` comments, then one sample a line, `name{label="value",...} value
// [timestamp]`. Label values may escape \\, \" and \n. Values are floats,
// +Inf, -Inf or NaN. A malformed line is reported (with its number) and
// skipped: one bad line does not hide every other figure.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly samples: readonly Sample[];
  /** name -> counter, gauge, histogram, summary or untyped, from # TYPE. */
  readonly types: Readonly<Record<string, string>>;
  /** "line N: why" for each line that could not be read. */
  readonly errors: readonly string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/** The labels of `{...}` starting at line[at] ('{'); the index after '}' or an error. */
function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } | string {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = LABEL.exec(line.slice(i));
    if (!name) return `bad label name at column ${i + 1}`;
    i += name[0].length;
    if (line[i] !== '=' || line[i + 1] !== '"') return `expected ="..." after label ${name[0]}`;
    i += 2;
    let value = '';
    for (;;) {
      if (i >= line.length) return `unterminated value of label ${name[0]}`;
      const c = line[i];
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else return `bad escape \\${e ?? ''} in label ${name[0]}`;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[name[0]] = value;
    i++;
    while (line[i] === ' ') i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') return `expected , or } after label ${name[0]}`;
  }
}

export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const errors: string[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types[m[1]] = m[2];
      continue;
    }
    const name = NAME.exec(line);
    if (!name) {
      errors.push(`line ${n + 1}: no metric name`);
      continue;
    }
    let i = name[0].length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') {
      const parsed = parseLabels(line, i);
      if (typeof parsed === 'string') {
        errors.push(`line ${n + 1}: ${parsed}`);
        continue;
      }
      labels = parsed.labels;
      i = parsed.end;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') {
      errors.push(`line ${n + 1}: expected a value (and an optional timestamp)`);
      continue;
    }
    const value = parseValue(rest[0]);
    if (value === null) {
      errors.push(`line ${n + 1}: bad value '${rest[0].slice(0, 40)}'`);
      continue;
    }
    samples.push({ name: name[0], labels, value });
  }
  return { samples, types, errors };
}

/** Samples of one metric whose labels include every pair of `match`. */
export function select(scrape: Scrape, name: string, match: Readonly<Record<string, string>> = {}): Sample[] {
  return scrape.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the selected samples (0 when there are none). */
export function total(scrape: Scrape, name: string, match: Readonly<Record<string, string>> = {}): number {
  return select(scrape, name, match).reduce((sum, s) => sum + s.value, 0);
}

/** Sums of one metric grouped by one label's value. */
export function sumBy(scrape: Scrape, name: string, label: string, match: Readonly<Record<string, string>> = {}): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of select(scrape, name, match)) {
    const key = s.labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}
