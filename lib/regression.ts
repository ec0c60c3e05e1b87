/**
 * Streaming simple linear regression y ≈ a + b·x from centred means and co-moments.
 *
 * The state never keeps raw sums such as Σx² (whose cancellation destroys the slope when x is
 * large, e.g. epoch seconds); it keeps the count, the means and the centred co-moments
 * Cxx = Σ(x − x̄)², Cxy = Σ(x − x̄)(y − ȳ), Cyy = Σ(y − ȳ)², updated one point at a time.
 * The means are kept relative to the first point (x₀, y₀): x − x₀ is exact for nearby values, so
 * the rounding of a mean is relative to the spread of the data, not to its offset (1.7e9 for
 * epoch seconds would otherwise cost the slope four digits).
 *
 * References:
 * - B. P. Welford, "Note on a method for calculating corrected sums of squares and products",
 *   Technometrics 4(3), 1962 — the one-point update (`add`, and its exact inverse `remove`).
 * - T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a pairwise algorithm for
 *   computing sample variances", COMPSTAT 1982 / Stanford CS report STAN-CS-79-773, 1979 — the
 *   pairwise combination used by `merge`.
 * - online-ml/river, `river/stats/cov.py` — a statistic as a small object with update, revert and
 *   merge.
 *
 * @module
 */

/** A fitted line y ≈ a + b·x. */
export interface Fit {
  /** The intercept. */
  readonly a: number;
  /** The slope. */
  readonly b: number;
}

/** The fit reported while the line is undetermined (fewer than two distinct x), as the reference. */
export const UNDETERMINED: Fit = Object.freeze({ a: 0, b: 0 });

/** Thrown by {@linkcode Regression.remove} when there is no point left to remove. */
export class EmptyRegressionError extends Error {
  /** Makes the error; the message says that the state holds no point. */
  constructor() {
    super("cannot remove a point from an empty regression (count would drop below zero)");
    this.name = "EmptyRegressionError";
  }
}

/**
 * The running state of a simple linear regression: add and remove points, merge two states,
 * and fit the least-squares line.
 *
 * @example
 * ```ts
 * import { Regression } from "./regression.ts";
 * const r = new Regression();
 * r.add(0, 1);
 * r.add(1, 3);
 * r.fit(); // { a: 1, b: 2 }
 * r.remove(1, 3);
 * r.fit(); // { a: 0, b: 0 }: one point determines no line
 * ```
 */
export class Regression {
  /** Number of points. */
  count = 0;
  /** The x the means are relative to: the first point's. */
  shiftX = 0;
  /** The y the means are relative to: the first point's. */
  shiftY = 0;
  /** Mean of x − shiftX. */
  meanX = 0;
  /** Mean of y − shiftY. */
  meanY = 0;
  /** Σ(x − x̄)². */
  cxx = 0;
  /** Σ(x − x̄)(y − ȳ). */
  cxy = 0;
  /** Σ(y − ȳ)². */
  cyy = 0;
  /** The largest Cxx since the state was last empty: the scale of Cxx's rounding residue. */
  cxxPeak = 0;

  /** Adds the point (x, y) (Welford's update). */
  add(x: number, y: number): void {
    if (this.count === 0) {
      this.shiftX = x;
      this.shiftY = y;
    }
    x -= this.shiftX;
    y -= this.shiftY;
    const n = ++this.count;
    const dx = x - this.meanX;
    const dy = y - this.meanY;
    this.meanX += dx / n;
    this.meanY += dy / n;
    const dyAfter = y - this.meanY;
    this.cxx += dx * (x - this.meanX);
    this.cxy += dx * dyAfter;
    this.cyy += dy * dyAfter;
    if (this.cxx > this.cxxPeak) this.cxxPeak = this.cxx;
  }

  /**
   * Removes the point (x, y): the inverse of {@linkcode Regression.add}, exact up to rounding,
   * and exactly the empty state when the last point goes. The caller must only remove points it
   * added: sufficient statistics cannot tell a point that was never added.
   *
   * @throws {EmptyRegressionError} when the state holds no point.
   */
  remove(x: number, y: number): void {
    if (this.count === 0) throw new EmptyRegressionError();
    x -= this.shiftX;
    y -= this.shiftY;
    const n = --this.count;
    if (n === 0) {
      this.reset();
      return;
    }
    const dx = x - this.meanX;
    const dy = y - this.meanY;
    this.meanX -= dx / n;
    this.meanY -= dy / n;
    const dxBefore = x - this.meanX;
    const dyBefore = y - this.meanY;
    this.cxx = Math.max(0, this.cxx - dxBefore * dx);
    this.cxy -= dxBefore * dy;
    this.cyy = Math.max(0, this.cyy - dyBefore * dy);
    if (n === 1) {
      this.cxx = 0;
      this.cxy = 0;
      this.cyy = 0;
    }
  }

  /** Adds every point of `other` to this state (Chan, Golub and LeVeque's pairwise update). */
  merge(other: Regression): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      Object.assign(this, other);
      return;
    }
    const n = this.count + other.count;
    const dx = (other.shiftX - this.shiftX) + (other.meanX - this.meanX);
    const dy = (other.shiftY - this.shiftY) + (other.meanY - this.meanY);
    const weight = (this.count * other.count) / n;
    this.cxx += other.cxx + dx * dx * weight;
    this.cxy += other.cxy + dx * dy * weight;
    this.cyy += other.cyy + dy * dy * weight;
    this.meanX += dx * (other.count / n);
    this.meanY += dy * (other.count / n);
    this.count = n;
    this.cxxPeak = Math.max(this.cxx, this.cxxPeak, other.cxxPeak);
  }

  /** Empties the state. */
  reset(): void {
    this.count = 0;
    this.shiftX = 0;
    this.shiftY = 0;
    this.meanX = 0;
    this.meanY = 0;
    this.cxx = 0;
    this.cxy = 0;
    this.cyy = 0;
    this.cxxPeak = 0;
  }

  /** Whether at least two distinct x are held, so that the line is determined. */
  get determined(): boolean {
    // Σ(x − x̄)² is exactly 0 while every x is equal. Removals may leave a rounding residue of
    // a few ulps of the largest Cxx seen; anything at that level counts as zero.
    return this.count >= 2 && this.cxx > 64 * Number.EPSILON * this.cxxPeak;
  }

  /**
   * The least-squares line: b = Cxy / Cxx, a = ȳ − b·x̄; {@linkcode UNDETERMINED} (a = 0, b = 0)
   * while fewer than two distinct x are held.
   */
  fit(): Fit {
    if (!this.determined) return UNDETERMINED;
    const b = this.cxy / this.cxx;
    return { a: (this.shiftY + this.meanY) - b * (this.shiftX + this.meanX), b };
  }

  /** A copy of the state, e.g. to merge elsewhere or to compare. */
  snapshot(): Regression {
    return Object.assign(new Regression(), this);
  }
}
