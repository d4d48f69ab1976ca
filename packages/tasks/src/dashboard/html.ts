import type { MinuteCounts } from './metrics.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Characters of a payload shown in lists before it is cut (the job page shows it whole). */
export const LIST_PAYLOAD_CHARS = 200;

/** A JSON rendering of `value` for display: never throws (a cycle or BigInt shows as text). */
export function showJson(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `text` cut to `max` characters with a note of how much was left out. */
export function truncate(text: string, max = LIST_PAYLOAD_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** An ISO date, or a dash. */
export function showTime(ms: number | undefined): string {
  return ms === undefined
    ? '–'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
nav{background:#1b1f24;padding:.6em 1em}nav a{color:#fff;margin-right:1.2em;text-decoration:none}
main{padding:1em 1.5em;max-width:1100px}table{border-collapse:collapse;width:100%;background:#fff}
td,th{border:1px solid #dde;padding:.35em .5em;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-all;margin:0;font-size:12px}
.counts{display:flex;gap:1em;flex-wrap:wrap}.count{background:#fff;border:1px solid #dde;padding:.6em 1em;min-width:7em}
.count b{display:block;font-size:1.6em}.charts{display:flex;gap:1.5em;flex-wrap:wrap;margin-top:1em}
.msg{background:#fff4ce;border:1px solid #e6c200;padding:.5em 1em}form{display:inline}button{cursor:pointer}`;

/** The page around a view: navigation, styles and (with `live`) the SSE script. */
export function layout(options: { title: string; base: string; body: string; nonce: string; live?: boolean }): string {
  const { title, base, body, nonce } = options;
  const b = escapeHtml(base);
  const script = options.live
    ? `<script nonce="${nonce}">
const source = new EventSource(${JSON.stringify(`${base}/events`).replace(/</g, '\\u003c')});
source.addEventListener('update', (event) => {
  const data = JSON.parse(event.data);
  for (const [state, count] of Object.entries(data.stats)) {
    const cell = document.querySelector('[data-state="' + state + '"]');
    if (cell) cell.textContent = String(count);
  }
  for (const [id, svg] of Object.entries(data.charts)) {
    const chart = document.getElementById(id);
    if (chart) chart.innerHTML = svg;
  }
});
</script>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · tasks</title>
<style>${STYLE}</style></head><body><nav><a href="${b}/">Overview</a><a href="${b}/tasks">Tasks</a>
<a href="${b}/failed">Failed</a><a href="${b}/schedules">Schedules</a></nav>
<main><h1>${escapeHtml(title)}</h1>${body}</main>${script}</body></html>`;
}

const W = 480;
const H = 120;

/** A bar chart of values per minute as inline SVG (each bar with a `<title>` tooltip). */
export function barChart(
  label: string,
  minutes: readonly MinuteCounts[],
  value: (m: MinuteCounts) => number,
  unit = '',
): string {
  const values = minutes.map(value);
  const max = Math.max(...values, unit === '%' ? 100 : 1);
  const step = W / Math.max(values.length, 1);
  const bars = values
    .map((v, i) => {
      const h = Math.round((v / max) * (H - 20));
      const at = new Date(minutes[i]!.minute).toISOString().slice(11, 16);
      return `<rect x="${(i * step).toFixed(1)}" y="${H - h}" width="${Math.max(step - 1, 1).toFixed(1)}" height="${h}" fill="${unit === '%' ? '#d1242f' : '#0969da'}"><title>${at} ${Math.round(v)}${unit}</title></rect>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)}"><text x="2" y="12" font-size="11">${escapeHtml(label)} (max ${Math.round(max)}${unit})</text>${bars}</svg>`;
}

/** The two overview charts, by element id. */
export function charts(minutes: readonly MinuteCounts[]): Record<string, string> {
  return {
    'chart-throughput': barChart('Jobs finished per minute', minutes, (m) => m.completed + m.failed),
    'chart-failure-rate': barChart(
      'Failure rate per minute',
      minutes,
      (m) => (m.completed + m.failed === 0 ? 0 : (100 * m.failed) / (m.completed + m.failed)),
      '%',
    ),
  };
}
