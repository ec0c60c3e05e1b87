/**
 * A {@linkcode View} drawn as SVG text: each sampled point a `<circle>`, the fit a `<line>` (a
 * `<path>` for a polynomial), axes with ticks, and the fit in the `<title>` and the heading; and
 * the coefficients' history as small line charts. Self-contained (styles inline, nothing
 * fetched), for a file or for the live page alike.
 *
 * @module
 */

import { shortNumber } from "./fit_text.ts";
import type { View } from "./view_model.ts";

/** The size of a drawing, in pixels. */
export interface PlotSize {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

const MARGIN = { top: 44, right: 20, bottom: 46, left: 64 };
const FONT = 'font-family="system-ui, sans-serif"';

/**
 * The scatter plot with the fit, as a standalone SVG document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotSvg } from "./svg_plot.ts";
 * import { viewModel } from "./view_model.ts";
 * const svg = plotSvg(viewModel({
 *   columns: ["a", "b"],
 *   model: { target: "y", features: ["x"], degree: 1, intercept: true },
 *   fit: { values: [1, 2], time: 1 },
 *   points: [{ x: [0], y: 1 }, { x: [1], y: 3 }],
 *   history: [],
 *   seen: 2,
 * }));
 * assert.equal(svg.match(/<circle /g)?.length, 2);
 * assert.match(svg, /<title>y ≈ a \+ b·x: a = 1, b = 2<\/title>/);
 * assert.match(svg, /<line class="fit" /);
 * ```
 */
export function plotSvg(view: View, size: PlotSize = { width: 640, height: 420 }): string {
  const { width, height } = size;
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const sx = scale(view.x.domain, left, right);
  const sy = scale(view.y.domain, bottom, top);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<title>${escape(view.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text class="heading" x="${left}" y="18" font-size="14" font-weight="600">` +
      `${escape(view.title)}</text>`,
    `<text class="caption" x="${left}" y="34" fill="#666">${escape(view.caption)}</text>`,
    `<clipPath id="plot-area"><rect x="${left}" y="${top}" width="${right - left}" ` +
      `height="${bottom - top}"/></clipPath>`,
  );
  // Axes with ticks and grid lines.
  out.push(`<g class="axis x" stroke="#888">`);
  out.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  for (const t of view.x.ticks) {
    const x = px(sx(t));
    out.push(
      `<g class="tick"><line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}"/>` +
        `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#eee"/>` +
        `<text x="${x}" y="${bottom + 18}" text-anchor="middle" stroke="none" fill="#333">` +
        `${escape(shortNumber(t))}</text></g>`,
    );
  }
  out.push(
    `<text class="label" x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle" ` +
      `stroke="none" fill="#333">${escape(view.x.label)}</text></g>`,
  );
  out.push(`<g class="axis y" stroke="#888">`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>`);
  for (const t of view.y.ticks) {
    const y = px(sy(t));
    out.push(
      `<g class="tick"><line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}"/>` +
        `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#eee"/>` +
        `<text x="${left - 8}" y="${y + 4}" text-anchor="end" stroke="none" fill="#333">` +
        `${escape(shortNumber(t))}</text></g>`,
    );
  }
  const my = (top + bottom) / 2;
  out.push(
    `<text class="label" x="14" y="${my}" text-anchor="middle" stroke="none" fill="#333" ` +
      `transform="rotate(-90 14 ${my})">${escape(view.y.label)}</text></g>`,
  );
  // The points, then the fit over them.
  out.push(`<g class="points" fill="#1f77b4" fill-opacity="0.6">`);
  for (const [x, y] of view.points) {
    out.push(`<circle cx="${px(sx(x))}" cy="${px(sy(y))}" r="3"/>`);
  }
  out.push(`</g>`);
  const fit = view.curve;
  if (fit.length >= 2) {
    const stroke = `stroke="#d62728" stroke-width="2" fill="none" clip-path="url(#plot-area)"`;
    if (view.curveKind === "line") {
      const [[x1, y1], [x2, y2]] = [fit[0], fit[fit.length - 1]];
      out.push(
        `<line class="fit" x1="${px(sx(x1))}" y1="${px(sy(y1))}" x2="${px(sx(x2))}" ` +
          `y2="${px(sy(y2))}" ${stroke}/>`,
      );
    } else {
      const d = fit.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(sx(x))},${px(sy(y))}`);
      out.push(`<path class="fit" d="${d.join(" ")}" ${stroke}/>`);
    }
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/**
 * The history of each coefficient, one small line chart per coefficient, as an SVG document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historySvg } from "./svg_plot.ts";
 * import { viewModel } from "./view_model.ts";
 * const svg = historySvg(viewModel({
 *   columns: ["a", "b"],
 *   model: { target: "y", features: ["x"], degree: 1, intercept: true },
 *   fit: { values: [1, 2], time: 1 },
 *   points: [],
 *   history: [{ values: [0, 0], time: 0 }, { values: [1, 2], time: 1 }],
 *   seen: 2,
 * }));
 * assert.equal(svg.match(/<polyline /g)?.length, 2);
 * ```
 */
export function historySvg(view: View, width = 640, rowHeight = 64): string {
  const rows = view.history;
  const height = Math.max(1, rows.length) * rowHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<title>coefficients over the commits</title>`,
  ];
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  rows.forEach((row, i) => {
    const top = i * rowHeight + 8;
    const bottom = (i + 1) * rowHeight - 12;
    const times = row.points.map((p) => p[0]);
    const values = row.points.map((p) => p[1]);
    const t = [Math.min(...times), Math.max(...times)] as const;
    const v = [Math.min(...values), Math.max(...values)] as const;
    const sx = scale(t[0] === t[1] ? [t[0] - 1, t[1]] : t, left, right);
    const sy = scale(v[0] === v[1] ? [v[0] - 1, v[1] + 1] : v, bottom, top);
    const last = row.points[row.points.length - 1];
    out.push(
      `<g class="coefficient"><text x="4" y="${(top + bottom) / 2 + 4}" font-weight="600">` +
        `${escape(row.column)}</text>`,
      `<text x="${right}" y="${top + 2}" text-anchor="end" fill="#666">` +
        `${escape(last === undefined ? "" : `${shortNumber(last[1])} at commit ${last[0]}`)}` +
        `</text>`,
      `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#ddd"/>`,
      `<polyline points="${
        row.points.map(([x, y]) => `${px(sx(x))},${px(sy(y))}`).join(" ")
      }" fill="none" stroke="#2ca02c" stroke-width="1.5"/></g>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** The map of [lo, hi] onto [from, to]. */
function scale(domain: readonly [number, number], from: number, to: number) {
  const [lo, hi] = domain;
  const k = hi === lo ? 0 : (to - from) / (hi - lo);
  return (v: number) => from + (v - lo) * k;
}

/** A pixel coordinate to one decimal (clamped, so that a curve far off stays drawable). */
function px(v: number): string {
  const c = Number.isNaN(v) ? 0 : Math.max(-1e6, Math.min(1e6, v));
  return String(Math.round(c * 10) / 10);
}

/** Text as XML character data or attribute value. */
function escape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
