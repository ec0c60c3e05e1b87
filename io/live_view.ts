/**
 * Everything that shows a run while it goes, in one place the shell feeds: the status line on
 * standard error, the live page (`--serve`) and the plot file (`--plot`). The shell hands it each
 * worker reply (the counts and, when a view is on, a small {@linkcode ViewDelta}) and the consumer
 * lag; one timer a few times a second redraws, publishes and writes — never on the data path.
 *
 * @module
 */

import type { PartitionLag } from "../lib/consumer_lag.ts";
import type { ListenAddress } from "../lib/listen_address.ts";
import { RateMeter } from "../lib/rate.ts";
import { formatRate, lagText, type StatusCounts, summaryLine } from "../lib/status_line.ts";
import { historySvg, plotSvg } from "../lib/svg_plot.ts";
import { viewModel } from "../lib/view_model.ts";
import { ViewState } from "../lib/view_state.ts";
import type { ViewDelta, ViewTapOptions } from "../lib/view_tap.ts";
import { LIVE_PAGE } from "./live_page.ts";
import { LiveServer } from "./live_server.ts";
import { writeTextAtomically } from "./plot_file.ts";
import { StatusLine, type StatusMode } from "./status_line.ts";

/** Options of a {@linkcode LiveView}. */
export interface LiveViewOptions {
  /** The program's name, for messages. */
  readonly name: string;
  /** How the status shows on standard error. */
  readonly status: StatusMode;
  /** Plain status: a progress line at most every this many milliseconds (0: none). */
  readonly progressMs: number;
  /** Serve the live page here. */
  readonly serve?: ListenAddress;
  /** Write the plot to this SVG file, every few seconds and at the end. */
  readonly plot?: string;
  /** How many points the pictures sample (default 500). */
  readonly sample?: number;
}

/** How often the page and the terminal are updated, in milliseconds. */
const TICK_MS = 250;
/** How often the plot file is rewritten while the run goes on, in milliseconds. */
const PLOT_MS = 2000;

/**
 * The views of one run.
 *
 * @example
 * ```ts ignore
 * const live = LiveView.open({ name: "main.ts", status: "tty", progressMs: 10000, plot: "fit.svg" });
 * // the worker collects what live.tap asks for; each reply:
 * live.update(processed, source.lag?.());
 * await live.close();
 * ```
 */
export class LiveView {
  readonly #options: LiveViewOptions;
  readonly #status: StatusLine;
  readonly #server: LiveServer | undefined;
  readonly #state = new ViewState();
  readonly #rate = new RateMeter();
  readonly #timer: ReturnType<typeof setInterval>;
  #counts: StatusCounts = { rows: 0, commits: 0, errors: 0 };
  #lag: readonly PartitionLag[] | undefined;
  /** Whether something changed since the page was last updated / the plot last written. */
  #dirty = { page: true, plot: true };
  #plotAt = 0;
  #pageAt = 0;
  #plotting: Promise<void> = Promise.resolve();
  #plotFailed = false;
  /** What the worker should collect for the pictures (undefined: nothing). */
  readonly tap: ViewTapOptions | undefined;

  private constructor(options: LiveViewOptions) {
    this.#options = options;
    const pictures = options.serve !== undefined || options.plot !== undefined;
    this.tap = pictures
      ? { sample: options.sample ?? 500 }
      : options.status === "tty"
      ? { sample: 0 }
      : undefined;
    this.#status = new StatusLine({
      name: options.name,
      mode: options.status,
      progressMs: options.progressMs,
    });
    // Binding the server may fail: nothing else (no timer) is started before it.
    try {
      this.#server = options.serve && LiveServer.start(options.serve, LIVE_PAGE);
    } catch (e) {
      this.#status.close();
      throw e;
    }
    const tickMs = options.status === "plain" && options.progressMs > 0
      ? Math.min(TICK_MS, options.progressMs)
      : TICK_MS;
    this.#timer = setInterval(() => this.#tick(Date.now()), tickMs);
    // Never what keeps the process alive: the shell ends the run, then closes the view.
    this.#timer.unref();
    this.#tick(Date.now());
  }

  /**
   * Starts the views (the server listens at once: its address is {@linkcode LiveView.url}).
   *
   * @throws {Error} saying what to do when `--serve`'s address cannot be listened on.
   */
  static open(options: LiveViewOptions): LiveView {
    return new LiveView(options);
  }

  /** Where the live page is, with `--serve`. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  /** Takes a worker reply: the running totals and what changed in the pictures. */
  update(
    reply: { readonly counts: StatusCounts; readonly view?: ViewDelta },
    lag?: readonly PartitionLag[],
  ): void {
    this.#counts = reply.counts;
    if (lag !== undefined) this.#lag = lag;
    if (reply.view !== undefined) this.#state.apply(reply.view);
    this.#dirty = { page: true, plot: true };
  }

  /** Shows the end: the last page update and plot, then stops the server and the status line. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#status.close();
    const ended = this.#options.plot !== undefined || this.#server !== undefined
      ? viewModel(this.#state)
      : undefined;
    if (ended !== undefined) this.#publish(ended, true);
    await this.#plotting;
    if (this.#options.plot !== undefined && ended !== undefined) {
      this.#plotting = this.#writePlot(plotSvg(ended));
      await this.#plotting;
    }
    await this.#server?.close();
  }

  #tick(now: number): void {
    this.#rate.sample(now, this.#counts.rows);
    const fit = this.#state.fit;
    const columns = this.#state.columns;
    this.#status.show({
      counts: this.#counts,
      rate: this.#rate.rate,
      lag: this.#lag,
      fit: fit !== undefined && columns !== undefined ? { columns, values: fit.values } : undefined,
    }, now);
    // The page follows commits, and refreshes the rate now and then when none comes.
    const pageDue = this.#server !== undefined && (this.#dirty.page || now - this.#pageAt >= 1000);
    const plotDue = this.#options.plot !== undefined && this.#dirty.plot &&
      now - this.#plotAt >= PLOT_MS;
    if (!pageDue && !plotDue) return;
    const view = viewModel(this.#state);
    if (pageDue) {
      this.#pageAt = now;
      this.#publish(view, false);
    }
    if (plotDue) {
      this.#plotAt = now;
      this.#dirty.plot = false;
      // One write at a time, in order.
      this.#plotting = this.#plotting.then(() => this.#writePlot(plotSvg(view)));
    }
  }

  #publish(view: ReturnType<typeof viewModel>, ended: boolean): void {
    const server = this.#server;
    if (server === undefined) return;
    const rate = this.#rate.rate;
    const svg = plotSvg(view);
    server.publish({
      row: this.#state.row,
      svg,
      event: JSON.stringify({
        equation: view.equation,
        fit: view.fitText,
        rate: rate === undefined ? "" : `${formatRate(rate)} rows/s ·`,
        counts: summaryLine(this.#counts),
        lag: this.#lag === undefined || this.#lag.length === 0 ? "" : `· ${lagText(this.#lag)}`,
        ended,
        plot: svg,
        history: historySvg(view),
      }),
    });
    this.#dirty.page = false;
  }

  async #writePlot(svg: string): Promise<void> {
    const path = this.#options.plot;
    if (path === undefined) return;
    try {
      await writeTextAtomically(path, svg);
    } catch (e) {
      if (!this.#plotFailed) {
        this.#plotFailed = true;
        console.error(
          `${this.#options.name}: cannot write --plot ${path}: ${(e as Error).message}`,
        );
      }
    }
  }
}
