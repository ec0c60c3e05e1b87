import assert from "node:assert/strict";
import { messageBatch } from "../lib/message_batch.ts";
import { Pipeline } from "../lib/pipeline.ts";
import { historySvg, plotSvg } from "../lib/svg_plot.ts";
import { niceTicks } from "../lib/ticks.ts";
import { viewModel } from "../lib/view_model.ts";
import { ViewState } from "../lib/view_state.ts";
import { ViewTap } from "../lib/view_tap.ts";

/** Feeds `messages` (one string each) through a pipeline and a tap into a view state. */
function run(
  messages: string[],
  options: { sample: number; model?: ConstructorParameters<typeof Pipeline>[0]["model"] },
  batch = 3,
) {
  const pipeline = new Pipeline({ format: "csv", model: options.model });
  const tap = new ViewTap({ sample: options.sample, historyCapacity: 8 });
  const state = new ViewState(8);
  for (let i = 0; i < messages.length; i += batch) {
    pipeline.process([messageBatch(messages.slice(i, i + batch), { firstOffset: i })], 0, tap);
    const delta = tap.flush();
    if (delta !== undefined) state.apply(structuredClone(delta));
  }
  return state;
}

function line(n: number, f: (x: number) => number): string[] {
  const messages = ["x,y"];
  for (let x = 0; x < n; x++) messages.push(`${x},${f(x)}`, "*COMMIT*");
  return messages;
}

Deno.test("tap → state: the fit, its row and a bounded sample, across batches", () => {
  const state = run(line(1000, (x) => 1 + 2 * x), { sample: 50 });
  assert.equal(state.points.length, 50);
  assert.equal(state.seen, 1000);
  assert.deepEqual(state.row, { a: 1, b: 2, time: 1 }); // the fit has not changed since commit 1
  for (const p of state.points) assert.equal(p.y, 1 + 2 * p.x[0]);
  // The history is bounded and ends with the current fit.
  const wavy = run(line(1000, (x) => x + (x % 3)), { sample: 10 });
  assert.ok(wavy.history.length <= 9, String(wavy.history.length));
  assert.equal(wavy.history.at(-1)?.time, 999);
  // Every commit's fit reaches the history, however many commits a batch holds.
  const oneBatch = run(line(1000, (x) => x + (x % 3)), { sample: 10 }, 1_000_000);
  assert.deepEqual(oneBatch.history, wavy.history);
  const times = wavy.history.map((h) => h.time);
  assert.ok(times.length >= 5 && times[0] === 0, String(times));
  const gaps = new Set(times.slice(1, -1).map((t, i) => t - times[i]));
  assert.equal(gaps.size, 1, `evenly spread: ${times}`);
  assert.deepEqual(state.history.at(-1), { values: [1, 2], time: 1 });
});

Deno.test("tap: a retracted row leaves the sample; sample 0 sends the fit only", () => {
  const state = run(["x,y,diff", "0,1,1", "1,3,1", "*COMMIT*", "1,3,-1", "*COMMIT*"], {
    sample: 10,
  }, 10);
  assert.deepEqual(state.points, [{ x: [0], y: 1 }]);
  const fitOnly = run(line(10, (x) => x), { sample: 0 });
  assert.deepEqual(fitOnly.points, []);
  assert.deepEqual(fitOnly.row, { a: 0, b: 1, time: 1 });
});

Deno.test("view: one feature is y against x with the fitted line through the points", () => {
  const state = run(line(11, (x) => 3 - x / 2), { sample: 100 });
  const view = viewModel(state);
  assert.equal(view.mode, "feature");
  assert.equal(view.curveKind, "line");
  assert.equal(view.fitText, "a = 3, b = -0.5");
  assert.equal(view.caption, "11 points");
  assert.equal(view.points.length, 11);
  for (const [x, y] of view.curve) assert.ok(Math.abs(y - (3 - x / 2)) < 1e-12);
  assert.ok(view.x.domain[0] < 0 && view.x.domain[1] > 10);
  assert.ok(view.x.ticks.includes(0) && view.x.ticks.includes(10));
});

Deno.test("view: a polynomial is a curve; several features plot y against ŷ", () => {
  const poly = viewModel(run(line(20, (x) => x * x - 3 * x + 1), {
    sample: 100,
    model: { degree: 2 },
  }));
  assert.equal(poly.curveKind, "curve");
  assert.ok(poly.curve.length > 50);
  for (const [x, y] of poly.curve) assert.ok(Math.abs(y - (x * x - 3 * x + 1)) < 1e-9);
  assert.equal(poly.equation, "y ≈ a + b1·x + b2·x²");

  const messages = ["u,v,y"];
  for (let i = 0; i < 30; i++) {
    messages.push(`${i},${(i * 7) % 5},${2 * i - (i * 7) % 5 + 1}`, "*COMMIT*");
  }
  const multi = viewModel(run(messages, { sample: 100 }));
  assert.equal(multi.mode, "fitted");
  assert.equal(multi.x.label, "fitted y (ŷ)");
  assert.equal(multi.points.length, 30);
  for (const [yhat, y] of multi.points) assert.ok(Math.abs(yhat - y) < 1e-9); // an exact fit
  assert.deepEqual(multi.curve[0][0], multi.curve[0][1]); // the diagonal
});

Deno.test("view: before any data, an empty picture that says so", () => {
  const view = viewModel(new ViewState());
  assert.equal(view.fitText, "no data yet");
  assert.deepEqual(view.points, []);
  const svg = plotSvg(view);
  assert.match(svg, /<title>no data yet<\/title>/);
  assert.equal(svg.match(/<circle /g), null);
});

Deno.test("svg: a circle per point, the fit line, axes with ticks, the fit in the title", () => {
  const view = viewModel(run(line(10, (x) => 0.5 + x), { sample: 100 }));
  const svg = plotSvg(view);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.equal(svg.match(/<circle /g)?.length, 10);
  assert.equal(svg.match(/<line class="fit" /g)?.length, 1);
  assert.match(svg, /<title>y ≈ a \+ b·x: a = 0\.5, b = 1<\/title>/);
  assert.match(svg, /<text class="heading"[^>]*>y ≈ a \+ b·x: a = 0\.5, b = 1<\/text>/);
  assert.equal(svg.match(/<g class="axis /g)?.length, 2);
  assert.ok((svg.match(/<g class="tick">/g)?.length ?? 0) >= 6);
  // Every circle lies inside the drawing.
  for (const [, cx, cy] of svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)"/g)) {
    assert.ok(Number(cx) >= 0 && Number(cx) <= 640 && Number(cy) >= 0 && Number(cy) <= 420);
  }
  // Tags balance: every element opened is closed.
  const opened = svg.match(/<(svg|g|text|title|clipPath)[ >]/g)?.length;
  const closed = svg.match(/<\/(svg|g|text|title|clipPath)>/g)?.length;
  assert.equal(opened, closed);
  const poly = plotSvg(
    viewModel(run(line(10, (x) => x * x), { sample: 100, model: { degree: 3 } })),
  );
  assert.equal(poly.match(/<path class="fit" d="M[^"]+"/g)?.length, 1);
  assert.equal(poly.match(/<line class="fit"/g), null);
  assert.equal(historySvg(view).match(/<polyline /g)?.length, 2);
});

Deno.test("svg: text is escaped", () => {
  const view = viewModel(
    run(["x,<y>", "0,1", "*COMMIT*"], { sample: 10, model: { target: "<y>" } }),
  );
  const svg = plotSvg(view);
  assert.ok(!svg.includes("<y>"));
  assert.match(svg, /&#60;y&#62;/);
});

Deno.test("ticks: round steps inside the range", () => {
  assert.deepEqual(niceTicks(0.1, 0.95, 4), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(niceTicks(-5, 5, 2), [-5, 0, 5]);
  assert.deepEqual(niceTicks(1e9, 1e9 + 4, 4), [1e9, 1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]);
  assert.deepEqual(niceTicks(NaN, 1), []);
});
