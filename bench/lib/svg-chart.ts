/**
 * The throughput-versus-processes chart of BENCHMARKS.md, drawn from the fan-out figures of
 * the run that writes it: memsync, the bare relay and Redis, patches/s seen by the slowest reader.
 */
import type { Series } from '../scenarios/types.js';
import { formatNumber } from './figures.js';

const WIDTH = 640;
const HEIGHT = 360;
const PAD = { left: 72, right: 120, top: 48, bottom: 48 };
const COLORS = { memsync: '#d9480f', relay: '#1c7ed6', redis: '#2f9e44' };
const NAMES = { memsync: 'memsync', relay: 'bare relay', redis: 'Redis' };

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Log-scale ticks: 1, 2 and 5 times each power of ten between `low` and `high`. */
function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let power = low; power <= high; power *= 10) {
    for (const m of [1, 2, 5]) if (power * m <= high) ticks.push(power * m);
  }
  return ticks;
}

const round = (n: number): string => n.toFixed(1);

export function throughputChart(series: Series, subtitle: string): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  // Points sit this far inside the plot, clear of the y axis labels.
  const inset = 24;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  // A log scale: memsync and the relay differ by an order of magnitude, and equal ratios
  // read as equal distances.
  const all = [...series.memsync, ...series.relay, ...series.redis].filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  // Process counts double: equal spacing reads as a log2 axis.
  const x = (i: number): number =>
    PAD.left +
    inset +
    (series.processes.length === 1 ? (plotW - 2 * inset) / 2 : (i * (plotW - 2 * inset)) / (series.processes.length - 1));
  const y = (v: number): number =>
    PAD.top + plotH - ((Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">Throughput vs processes (slowest reader)</text>`,
    `<text x="${PAD.left}" y="34" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  for (const v of logTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${round(y(v))}" y2="${round(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 8}" y="${round(y(v) + 4)}" text-anchor="end">${formatNumber(v)}</text>`,
    );
  }
  series.processes.forEach((n, i) => {
    parts.push(`<text x="${round(x(i))}" y="${PAD.top + plotH + 18}" text-anchor="middle">${n}</text>`);
  });
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">processes (host included)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">patches/s (log scale)</text>`,
  );
  const lines = (['relay', 'redis', 'memsync'] as const).filter((name) => series[name].length > 0);
  lines.forEach((name, line) => {
    const values = series[name];
    const points = values.map((v, i) => `${round(x(i))},${round(y(v))}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${COLORS[name]}" stroke-width="2"/>`,
    );
    values.forEach((v, i) => {
      parts.push(
        `<circle cx="${round(x(i))}" cy="${round(y(v))}" r="3.5" fill="${COLORS[name]}"/>`,
        `<text x="${round(x(i) + 6)}" y="${round(y(v) - 6)}" fill="${COLORS[name]}">${formatNumber(v)}</text>`,
      );
    });
    const legendY = PAD.top + 10 + line * 20;
    parts.push(
      `<line x1="${WIDTH - PAD.right + 16}" x2="${WIDTH - PAD.right + 36}" y1="${legendY}" y2="${legendY}" stroke="${COLORS[name]}" stroke-width="2"/>`,
      `<text x="${WIDTH - PAD.right + 42}" y="${legendY + 4}">${NAMES[name]}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
