/**
 * The live page of `--serve`: one static HTML document, no build step and nothing fetched from
 * elsewhere. Its script listens to `/events` (Server-Sent Events) and puts each update in place:
 * the fit as text (`#fit`), the plot and the coefficients' history (SVG drawn by the server, the
 * same picture as `--plot`), the rate, the counts and the lag.
 *
 * @module
 */

/** The page's HTML. */
export const LIVE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kafka-regression — live fit</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 680px; color: #222; }
  h1 { font-size: 1.2rem; margin: 0 0 .5rem; }
  #fit { font: 600 1.1rem ui-monospace, monospace; margin: .25rem 0 .75rem; }
  #status { color: #555; margin-bottom: 1rem; }
  #state { font-size: .85rem; color: #a00; }
  svg { max-width: 100%; height: auto; display: block; }
  h2 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
</style>
</head>
<body>
<h1 id="equation">kafka-regression</h1>
<div id="fit">waiting for the first update…</div>
<div id="status"><span id="rate"></span> <span id="counts"></span> <span id="lag"></span>
  <span id="state"></span></div>
<div id="plot"></div>
<h2>Coefficients over the commits</h2>
<div id="history"></div>
<script>
"use strict";
const byId = (id) => document.getElementById(id);
const events = new EventSource("events");
let ended = false;
events.onmessage = (event) => {
  const view = JSON.parse(event.data);
  ended = view.ended;
  byId("equation").textContent = view.equation || "kafka-regression";
  byId("fit").textContent = view.fit;
  byId("rate").textContent = view.rate;
  byId("counts").textContent = view.counts;
  byId("lag").textContent = view.lag;
  byId("state").textContent = view.ended ? "(the run has ended)" : "";
  byId("plot").innerHTML = view.plot;
  byId("history").innerHTML = view.history;
  document.title = view.fit + " — kafka-regression";
};
events.onerror = () => {
  if (ended) events.close();
  else byId("state").textContent = "(disconnected: retrying)";
};
</script>
</body>
</html>
`;
