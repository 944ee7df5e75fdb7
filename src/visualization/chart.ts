/**
 * Line charts as SVG (title, axis labels with ticks, grid, legend), stacked
 * panels sharing one image: what analyze-logs and vis-lr draw.
 */
import { FONT, PALETTE, escapeXml, r, svgText } from './svg';

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Whole-number x ticks (epochs). */
  xInteger?: boolean;
}

export interface ChartOptions {
  width?: number;
  /** Height of each panel (default 360). */
  panelHeight?: number;
}

/** Size of the chart image for `panels` panels. */
export function chartSize(panels: number, opts: ChartOptions = {}): { width: number; height: number } {
  return { width: opts.width ?? 720, height: (opts.panelHeight ?? 360) * panels };
}

/** About `n` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5, minStep = 0): number[] {
  if (!(hi > lo)) {
    const d = Math.max(minStep, Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1);
    return niceTicks(lo - d, lo + d, n, minStep);
  }
  const raw = Math.max((hi - lo) / n, minStep);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
  if (out[0] > lo) out.unshift(out[0] - step);
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out.map((v) => Number(v.toPrecision(12)));
}

/** Formats the ticks of one axis alike: all in exponent form when the largest is tiny or huge. */
function tickLabels(ticks: number[]): string[] {
  const top = Math.max(...ticks.map(Math.abs));
  const exp = top >= 1e5 || (top > 0 && top < 1e-2);
  return ticks.map((v) => (v === 0 ? '0' : exp ? v.toExponential(1) : String(Number(v.toPrecision(6)))));
}

function panelSvg(p: Panel, x0: number, y0: number, w: number, h: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (!pts.length) throw new Error(`chart '${p.title}': no finite points to draw`);
  const xt = niceTicks(Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0])), 5, p.xInteger ? 1 : 0);
  const yt = niceTicks(Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1])));
  const L = x0 + 80;
  const R = x0 + w - 20;
  const T = y0 + 40;
  const B = y0 + h - 55;
  const sx = (v: number) => L + ((v - xt[0]) / (xt[xt.length - 1] - xt[0])) * (R - L);
  const sy = (v: number) => B - ((v - yt[0]) / (yt[yt.length - 1] - yt[0])) * (B - T);
  const out: string[] = [];
  out.push(svgText((L + R) / 2, y0 + 24, p.title, 16, 'text-anchor="middle" font-weight="bold"'));
  const xl = tickLabels(xt);
  const yl = tickLabels(yt);
  xt.forEach((v, i) => {
    out.push(`<line x1="${r(sx(v))}" y1="${T}" x2="${r(sx(v))}" y2="${B}" stroke="#e0e0e0"/>`);
    out.push(svgText(sx(v), B + 18, xl[i], 12, 'text-anchor="middle"'));
  });
  yt.forEach((v, i) => {
    out.push(`<line x1="${L}" y1="${r(sy(v))}" x2="${R}" y2="${r(sy(v))}" stroke="#e0e0e0"/>`);
    out.push(svgText(L - 6, sy(v) + 4, yl[i], 12, 'text-anchor="end"'));
  });
  out.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#333"/>`);
  out.push(svgText((L + R) / 2, B + 42, p.xLabel, 14, 'text-anchor="middle"'));
  out.push(svgText(x0 + 18, (T + B) / 2, p.yLabel, 14, `text-anchor="middle" transform="rotate(-90 ${x0 + 18} ${r((T + B) / 2)})"`));
  p.series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (good.length === 1) out.push(`<circle cx="${r(sx(good[0][0]))}" cy="${r(sy(good[0][1]))}" r="3" fill="${c}"/>`);
    else out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${good.map(([x, y]) => `${r(sx(x))},${r(sy(y))}`).join(' ')}"/>`);
  });
  // Legend inside the plot, top right, or bottom right when the lines crowd the top.
  const lw = Math.max(...p.series.map((s) => s.name.length)) * 7.5 + 40;
  const lh = p.series.length * 18 + 8;
  const lx = R - lw - 8;
  const crowd = (y0: number, y1: number) => pts.filter(([x, y]) => sx(x) >= lx && sy(y) >= y0 && sy(y) <= y1).length;
  const ly = crowd(T, T + lh + 16) > crowd(B - lh - 16, B) ? B - lh - 8 : T + 8;
  out.push(`<rect x="${r(lx)}" y="${r(ly)}" width="${r(lw)}" height="${lh}" fill="white" fill-opacity="0.85" stroke="#999"/>`);
  p.series.forEach((s, i) => {
    const y = ly + 14 + i * 18;
    out.push(`<line x1="${r(lx + 6)}" y1="${y - 4}" x2="${r(lx + 28)}" y2="${y - 4}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="3"/>`);
    out.push(svgText(lx + 34, y, s.name, 12));
  });
  return out.join('\n');
}

/** One SVG with the panels stacked top to bottom. */
export function chartSvg(panels: Panel[], opts: ChartOptions = {}): string {
  if (!panels.length) throw new Error('chart: nothing to draw');
  const { width, height } = chartSize(panels.length, opts);
  const ph = opts.panelHeight ?? 360;
  const body = panels.map((p, i) => panelSvg(p, 0, i * ph, width, ph)).join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="white"/><g font-family="${escapeXml(FONT)}" fill="#222">${body}</g></svg>`
  );
}
