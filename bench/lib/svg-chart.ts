/**
 * The throughput-versus-processes chart of BENCHMARKS.md, drawn from the fan-out figures of
 * the run that writes it: memsync and the bare relay, patches/s seen by the slowest reader.
 */
import type { Series } from '../scenarios/types.js';
import { formatNumber } from './figures.js';

const WIDTH = 640;
const HEIGHT = 360;
const PAD = { left: 72, right: 120, top: 40, bottom: 48 };
const COLORS = { memsync: '#d9480f', relay: '#1c7ed6' };

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step for the y axis: 1, 2 or 5 times a power of ten, about five ticks. */
function tickStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? power * 10;
}

export function throughputChart(series: Series, subtitle: string): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const top = Math.max(...series.memsync, ...series.relay) * 1.1;
  const step = tickStep(top);
  const yMax = Math.ceil(top / step) * step;
  // Process counts double: equal spacing reads as a log2 axis.
  const x = (i: number): number =>
    PAD.left +
    (series.processes.length === 1 ? plotW / 2 : (i * plotW) / (series.processes.length - 1));
  const y = (v: number): number => PAD.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">Throughput vs processes (slowest reader)</text>`,
    `<text x="${PAD.left}" y="34" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  for (let v = 0; v <= yMax; v += step) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 8}" y="${y(v) + 4}" text-anchor="end">${formatNumber(v)}</text>`,
    );
  }
  series.processes.forEach((n, i) => {
    parts.push(`<text x="${x(i)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${n}</text>`);
  });
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">processes (host included)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">patches/s</text>`,
  );
  for (const name of ['relay', 'memsync'] as const) {
    const values = series[name];
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${COLORS[name]}" stroke-width="2"/>`,
    );
    values.forEach((v, i) => {
      parts.push(
        `<circle cx="${x(i)}" cy="${y(v)}" r="3.5" fill="${COLORS[name]}"/>`,
        `<text x="${x(i) + 6}" y="${y(v) - 6}" fill="${COLORS[name]}">${formatNumber(v)}</text>`,
      );
    });
    const legendY = PAD.top + (name === 'relay' ? 10 : 30);
    parts.push(
      `<line x1="${WIDTH - PAD.right + 16}" x2="${WIDTH - PAD.right + 36}" y1="${legendY}" y2="${legendY}" stroke="${COLORS[name]}" stroke-width="2"/>`,
      `<text x="${WIDTH - PAD.right + 42}" y="${legendY + 4}">${name === 'relay' ? 'bare relay' : 'memsync'}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
