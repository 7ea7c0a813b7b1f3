// The chart of `npm run bench:fleet -- --chart FILE`: wall time of `up` from scratch against fleet size, one stack
// (measured, and its quadratic fit extrapolated) beside the sharded fleet. Hand-built SVG, no dependency.

/**
 * Least-squares fit of t = a + b·n + c·n² to the points; when fewer than three points, or the fit bends down (c < 0,
 * noise at small sizes), t = c·n² through the largest point. Returns the coefficients and how they were found.
 */
export function quadraticFit(points) {
  const pure = () => {
    const last = points.reduce((a, p) => (p.n > a.n ? p : a));
    return { a: 0, b: 0, c: last.t / last.n ** 2, how: `t = c·n² through the largest one-stack point (${last.n} resources, ${last.t.toFixed(1)} s)` };
  };
  if (points.length < 3) return pure();
  // Normal equations of the 3 × 3 system.
  const s = (f) => points.reduce((sum, p) => sum + f(p), 0);
  const m = [
    [points.length, s((p) => p.n), s((p) => p.n ** 2)],
    [s((p) => p.n), s((p) => p.n ** 2), s((p) => p.n ** 3)],
    [s((p) => p.n ** 2), s((p) => p.n ** 3), s((p) => p.n ** 4)],
  ];
  const v = [s((p) => p.t), s((p) => p.t * p.n), s((p) => p.t * p.n ** 2)];
  const det = (x) =>
    x[0][0] * (x[1][1] * x[2][2] - x[1][2] * x[2][1]) - x[0][1] * (x[1][0] * x[2][2] - x[1][2] * x[2][0]) + x[0][2] * (x[1][0] * x[2][1] - x[1][1] * x[2][0]);
  const d = det(m);
  if (d === 0) return pure();
  const solve = (col) => det(m.map((row, i) => row.map((cell, j) => (j === col ? v[i] : cell)))) / d;
  const [a, b, c] = [solve(0), solve(1), solve(2)];
  if (!(c > 0)) return pure();
  return { a, b, c, how: `least-squares t = a + b·n + c·n² over the ${points.length} one-stack points (a = ${a.toFixed(2)} s, b = ${(b * 1000).toFixed(2)} ms, c = ${(c * 1e6).toFixed(3)} µs per resource²)` };
}

export const evaluate = (fit, n) => fit.a + fit.b * n + fit.c * n * n;

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A round step for axis ticks: 1, 2 or 5 × 10^k, about `count` ticks over `max`. */
function tickStep(max, count) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * power).find((step) => step >= raw);
}

const fmtTime = (s) => (s >= 120 ? `${(s / 60).toFixed(0)} min` : `${s.toFixed(0)} s`);

/**
 * @param {{single: Array<{n: number, t: number}>, fleet: Array<{n: number, t: number, shards: number}>, fit: ReturnType<typeof quadraticFit>, title: string, note: string}} data
 */
export function renderChart({ single, fleet, fit, title, note }) {
  const width = 760;
  const height = 440;
  const margin = { left: 70, right: 30, top: 50, bottom: 80 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxN = Math.max(...single.map((p) => p.n), ...fleet.map((p) => p.n)) * 1.05;
  const extrapolated = evaluate(fit, maxN);
  const maxT = Math.max(...single.map((p) => p.t), ...fleet.map((p) => p.t), extrapolated) * 1.08;
  const x = (n) => margin.left + (n / maxN) * plotW;
  const y = (t) => margin.top + plotH - (t / maxT) * plotH;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  );
  // Grid and axes.
  const nStep = tickStep(maxN, 7);
  for (let n = 0; n <= maxN; n += nStep) {
    out.push(`<line x1="${x(n).toFixed(1)}" y1="${margin.top}" x2="${x(n).toFixed(1)}" y2="${margin.top + plotH}" stroke="#eeeeee"/>`);
    out.push(`<text x="${x(n).toFixed(1)}" y="${margin.top + plotH + 18}" text-anchor="middle">${n.toLocaleString("en-US")}</text>`);
  }
  const tStep = tickStep(maxT, 6);
  for (let t = 0; t <= maxT; t += tStep) {
    out.push(`<line x1="${margin.left}" y1="${y(t).toFixed(1)}" x2="${margin.left + plotW}" y2="${y(t).toFixed(1)}" stroke="#eeeeee"/>`);
    out.push(`<text x="${margin.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmtTime(t)}</text>`);
  }
  out.push(
    `<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="#333333"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#333333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 40}" text-anchor="middle">resources (plugins + links)</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">wall time of \`up\` from scratch</text>`,
  );
  // One stack: the fit, dashed beyond the measured points.
  const lastSingle = Math.max(...single.map((p) => p.n));
  const curve = (from, to) => {
    const points = [];
    for (let i = 0; i <= 60; i++) {
      const n = from + ((to - from) * i) / 60;
      points.push(`${x(n).toFixed(1)},${y(Math.max(0, evaluate(fit, n))).toFixed(1)}`);
    }
    return points.join(" ");
  };
  out.push(`<polyline points="${curve(0, lastSingle)}" fill="none" stroke="#c0392b" stroke-width="2"/>`);
  out.push(`<polyline points="${curve(lastSingle, maxN)}" fill="none" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 5"/>`);
  for (const p of single) out.push(`<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.t).toFixed(1)}" r="4" fill="#c0392b"><title>one stack, ${p.n} resources: ${p.t.toFixed(1)} s</title></circle>`);
  // The fleet.
  const sorted = [...fleet].sort((a, b) => a.n - b.n);
  if (sorted.length > 1) out.push(`<polyline points="${sorted.map((p) => `${x(p.n).toFixed(1)},${y(p.t).toFixed(1)}`).join(" ")}" fill="none" stroke="#2471a3" stroke-width="2"/>`);
  for (const p of sorted) {
    out.push(`<rect x="${(x(p.n) - 4).toFixed(1)}" y="${(y(p.t) - 4).toFixed(1)}" width="8" height="8" fill="#2471a3"><title>fleet, ${p.n} resources in ${p.shards} shards: ${p.t.toFixed(1)} s</title></rect>`);
    out.push(`<text x="${(x(p.n) - 8).toFixed(1)}" y="${(y(p.t) - 10).toFixed(1)}" text-anchor="end" fill="#2471a3">${fmtTime(p.t)} (${p.shards} shards)</text>`);
  }
  const end = evaluate(fit, Math.max(...fleet.map((p) => p.n)));
  const endN = Math.max(...fleet.map((p) => p.n));
  out.push(`<text x="${(x(endN) - 8).toFixed(1)}" y="${(y(end) + 16).toFixed(1)}" text-anchor="end" fill="#c0392b">one stack, extrapolated: ${fmtTime(end)}</text>`);
  // Legend and note.
  const ly = height - 22;
  out.push(
    `<line x1="${margin.left}" y1="${ly}" x2="${margin.left + 24}" y2="${ly}" stroke="#c0392b" stroke-width="2"/>`,
    `<text x="${margin.left + 30}" y="${ly + 4}">one stack (measured; dashed: quadratic fit extrapolated)</text>`,
    `<rect x="${margin.left + 370}" y="${ly - 4}" width="8" height="8" fill="#2471a3"/>`,
    `<text x="${margin.left + 384}" y="${ly + 4}">fleet runner (sharded stacks)</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555555">${escape(note)}</text>`,
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}
