// The result of `forge run|profile --format json` as a person reads it in the Forge output channel: what ran where,
// whether it verified, time, throughput, % of the target's peak, and a table per kernel when the report has one.
// Output that is not such a report (an error, a crash) is shown as it came.

type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** Three significant digits without a trailing exponent for everyday sizes: 0.0975, 5.42, 1234. */
const fmt = (v: number): string => (Math.abs(v) >= 1000 || v === 0 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());
const percent = (v: number): string => `${v < 10 ? v.toFixed(1) : v.toFixed(0)}%`;

/** The first numeric field among `names` (reports name the same measure differently across versions). */
function field(o: Json, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = num(o[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** forge's report says peak_flops_percent and peak_bandwidth_percent; a kernel row may say percent_of_peak. */
const PEAK_FIELDS = ['peak_flops_percent', 'percent_of_peak'];

/** The report as aligned lines, or undefined when `output` is not a JSON report of a run. */
export function formatRunReport(output: string): string | undefined {
  let r: Json;
  try {
    const parsed: unknown = JSON.parse(output);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    r = parsed as Json;
  } catch {
    return undefined;
  }
  if (typeof r.function !== 'string') return undefined;
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(11)} ${value}`);
  const dims = r.dims && typeof r.dims === 'object' ? Object.entries(r.dims as Json).map(([k, v]) => `${k}=${String(v)}`) : [];
  lines.push(`${r.function} on ${String(r.target ?? 'host')}${dims.length ? ` (${dims.join(', ')})` : ''}${num(r.seed) !== undefined ? `, seed ${String(r.seed)}` : ''}`);
  const error = num(r.max_rel_error);
  const against = typeof r.reference === 'string' ? ` vs the ${r.reference}` : '';
  if (r.verified === true) row('verified', `yes${error !== undefined ? ` (max rel error ${error.toExponential(1)}${against})` : ''}`);
  else {
    const mismatches = num(r.mismatch_count);
    row('verified', `NO${error !== undefined ? `: max rel error ${error.toExponential(1)}` : ''}${mismatches ? `, ${mismatches} elements differ` : ''}${against}`);
  }
  if (typeof r.problem === 'string' && r.problem) row('problem', r.problem);
  const median = num(r.median_ms);
  if (median !== undefined) {
    const min = num(r.min_ms);
    const runs = num(r.runs);
    row('time', `${fmt(median)} ms median${runs ? ` of ${runs} runs` : ''}${min !== undefined ? ` (min ${fmt(min)} ms)` : ''}`);
  }
  const gflops = num(r.gflops);
  const gbps = num(r.gbps);
  if (gflops !== undefined || gbps !== undefined) {
    row('throughput', [gflops !== undefined ? `${fmt(gflops)} GFLOP/s` : '', gbps !== undefined ? `${fmt(gbps)} GB/s` : ''].filter(Boolean).join(', '));
  }
  const peak = field(r, ...PEAK_FIELDS);
  const bandwidth = field(r, 'peak_bandwidth_percent');
  if (peak !== undefined || bandwidth !== undefined) {
    row('% of peak', [peak !== undefined ? `${percent(peak)} of FLOP/s` : '', bandwidth !== undefined ? `${percent(bandwidth)} of DRAM bandwidth` : ''].filter(Boolean).join(', '));
  }
  if (Array.isArray(r.kernels) && r.kernels.length > 0) lines.push('', ...kernelTable(r.kernels as Json[]));
  return lines.join('\n');
}

/** One row per kernel: name, time, GFLOP/s, GB/s, % of peak (the columns the report has). */
function kernelTable(kernels: Json[]): string[] {
  const columns: [string, (k: Json) => string | undefined][] = [
    ['kernel', (k) => (typeof k.name === 'string' ? k.name : typeof k.kernel === 'string' ? k.kernel : undefined)],
    ['ms', (k) => fmtOpt(field(k, 'median_ms', 'time_ms', 'ms'))],
    ['GFLOP/s', (k) => fmtOpt(field(k, 'gflops'))],
    ['GB/s', (k) => fmtOpt(field(k, 'gbps'))],
    ['% of peak', (k) => {
      const p = field(k, ...PEAK_FIELDS);
      return p === undefined ? undefined : percent(p);
    }],
  ];
  const used = columns.filter(([, get]) => kernels.some((k) => get(k) !== undefined));
  const cells = kernels.map((k) => used.map(([, get]) => get(k) ?? ''));
  const widths = used.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => `  ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')}`.trimEnd();
  return [line(used.map(([title]) => title)), ...cells.map(line)];
}

function fmtOpt(v: number | undefined): string | undefined {
  return v === undefined ? undefined : fmt(v);
}
