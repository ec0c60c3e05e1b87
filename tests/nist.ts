/**
 * A parser for the NIST StRD linear least squares `.dat` files kept under `tests/fixtures/nist/`:
 * the certified values (every parameter estimate with its standard deviation, the residual
 * standard deviation and R²) and the data, exactly as the file prints them. The only I/O is
 * {@linkcode readNistFixture}, which reads one fixture file.
 *
 * Reference: NIST/ITL Statistical Reference Datasets, Linear Least Squares Regression
 * (https://www.itl.nist.gov/div898/strd/lls/lls.shtml). Each file names, in its header, the
 * lines holding the certified values and the lines holding the data; the parser reads those
 * line ranges and checks them against the header's observation count.
 *
 * @module
 */

/** One certified parameter: its name as NIST prints it (`B0`, `B1`, …), estimate and SD. */
export interface CertifiedParameter {
  /** `B0` (the intercept when the model has one), `B1`, …. */
  readonly name: string;
  /** The index in the name: 0 for `B0`. */
  readonly index: number;
  /** The certified estimate. */
  readonly estimate: number;
  /** The certified standard deviation of the estimate. */
  readonly sd: number;
}

/** A parsed NIST StRD linear regression dataset. */
export interface NistDataset {
  /** The dataset name from the header, e.g. `Filip`. */
  readonly name: string;
  /** The number of observations the header states (checked against the data lines). */
  readonly observations: number;
  /** The number of predictor variables the header states (1 for the polynomial sets). */
  readonly predictors: number;
  /** Whether the certified model has an intercept (`B0`); false for NoInt1 and NoInt2. */
  readonly intercept: boolean;
  /**
   * The polynomial degree when the model is a polynomial in a single x (Pontius 2, Filip 10,
   * Wampler1–5 5), otherwise 0: the features are then the predictors as given.
   */
  readonly degree: number;
  /** The certified parameters in the file's order (`B0` first when there is an intercept). */
  readonly parameters: readonly CertifiedParameter[];
  /** The certified residual standard deviation. */
  readonly residualSD: number;
  /** The certified R² (uncentred for the models without intercept, as NIST certifies it). */
  readonly rSquared: number;
  /** The response of each observation. */
  readonly y: readonly number[];
  /** The predictors of each observation, as printed (one value for the polynomial sets). */
  readonly x: readonly (readonly number[])[];
}

/** The eleven linear regression datasets kept as fixtures, lower difficulty first. */
export const NIST_DATASETS = [
  "Norris",
  "Pontius",
  "NoInt1",
  "NoInt2",
  "Filip",
  "Longley",
  "Wampler1",
  "Wampler2",
  "Wampler3",
  "Wampler4",
  "Wampler5",
] as const;

/** A name of a kept dataset. */
export type NistName = typeof NIST_DATASETS[number];

function lineRange(header: string, label: string): [number, number] {
  const match = new RegExp(`${label}\\s+\\(lines (\\d+) to (\\d+)\\)`).exec(header);
  if (match === null) throw new SyntaxError(`NIST file: no "${label} (lines a to b)" in header`);
  return [Number(match[1]), Number(match[2])];
}

function headerNumber(header: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(header);
  if (match === null) throw new SyntaxError(`NIST file: no ${what} in header`);
  return Number(match[1]);
}

function toNumber(token: string, where: string): number {
  const value = Number(token);
  if (!Number.isFinite(value)) {
    throw new SyntaxError(`NIST file: "${token}" is not a number (${where})`);
  }
  return value;
}

/**
 * Parses the text of a NIST StRD linear least squares `.dat` file.
 *
 * @throws {SyntaxError} when the header's line ranges or counts do not match the content.
 */
export function parseNist(text: string): NistDataset {
  const lines = text.split(/\r?\n/);
  const header = lines.slice(0, 30).join("\n");
  const nameMatch = /Dataset Name:\s+(\S+)/.exec(header);
  if (nameMatch === null) throw new SyntaxError("NIST file: no dataset name");
  const name = nameMatch[1];
  const [c0, c1] = lineRange(header, "Certified Values");
  const [d0, d1] = lineRange(header, "Data");
  const observations = headerNumber(header, /(\d+) Observations/, "observation count");
  const predictors = headerNumber(header, /(\d+) Predictor Variable/, "predictor count");

  const certified = lines.slice(c0 - 1, c1);
  const parameters: CertifiedParameter[] = [];
  let residualSD = NaN;
  let rSquared = NaN;
  for (const line of certified) {
    const b = /^\s*B(\d+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (b !== null) {
      parameters.push({
        name: `B${b[1]}`,
        index: Number(b[1]),
        estimate: toNumber(b[2], `B${b[1]} estimate`),
        sd: toNumber(b[3], `B${b[1]} SD`),
      });
      continue;
    }
    const sd = /^\s*Standard Deviation\s+(\S+)\s*$/.exec(line);
    if (sd !== null) residualSD = toNumber(sd[1], "residual SD");
    const r2 = /^\s*R-Squared\s+(\S+)\s*$/.exec(line);
    if (r2 !== null) rSquared = toNumber(r2[1], "R-squared");
  }
  if (parameters.length === 0 || Number.isNaN(residualSD) || Number.isNaN(rSquared)) {
    throw new SyntaxError(`NIST file ${name}: certified values incomplete in lines ${c0}–${c1}`);
  }

  if (!/^\s*Data:/.test(lines[d0 - 2] ?? "")) {
    throw new SyntaxError(`NIST file ${name}: line ${d0 - 1} is not the "Data:" column header`);
  }
  const y: number[] = [];
  const x: number[][] = [];
  for (let i = d0 - 1; i < d1; i++) {
    const tokens = (lines[i] ?? "").trim().split(/\s+/);
    if (tokens.length !== predictors + 1) {
      throw new SyntaxError(`NIST file ${name}: line ${i + 1} has ${tokens.length} values`);
    }
    y.push(toNumber(tokens[0], `line ${i + 1}`));
    x.push(tokens.slice(1).map((t) => toNumber(t, `line ${i + 1}`)));
  }
  if (y.length !== observations) {
    throw new SyntaxError(`NIST file ${name}: ${y.length} data lines, header says ${observations}`);
  }
  if (lines.slice(d1).some((line) => line.trim() !== "")) {
    throw new SyntaxError(`NIST file ${name}: text after the data lines`);
  }

  const intercept = parameters[0].index === 0;
  const degree = predictors === 1 && parameters.length > (intercept ? 2 : 1)
    ? parameters.length - (intercept ? 1 : 0)
    : 0;
  return {
    name,
    observations,
    predictors,
    intercept,
    degree,
    parameters,
    residualSD,
    rSquared,
    y,
    x,
  };
}

/** Reads and parses `tests/fixtures/nist/<name>.dat` (needs read permission). */
export function readNistFixture(name: NistName): NistDataset {
  const url = new URL(`./fixtures/nist/${name}.dat`, import.meta.url);
  return parseNist(Deno.readTextFileSync(url));
}

// Dekker's product: the exact a·b as hi + lo (Veltkamp split; |a|, |b| < 2^996).
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = 134217729 * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

/**
 * x^k rounded to the nearest double (up to rare double-double ties): the product is carried in
 * double-double, so the design is the float64 rounding of the exact powers of the float64 x, the
 * best any float64 program can be given.
 */
export function roundedPower(x: number, k: number): number {
  let hi = 1;
  let lo = 0;
  for (let i = 0; i < k; i++) {
    const [p, e] = twoProduct(hi, x);
    const t = e + lo * x;
    hi = p + t;
    lo = t - (hi - p);
  }
  return hi;
}

/**
 * The feature row the certified model fits for observation `i`: the predictors as given, or
 * x, x², …, x^degree (each {@linkcode roundedPower}) for the polynomial datasets.
 */
export function features(data: NistDataset, i: number): Float64Array {
  const row = data.x[i];
  if (data.degree === 0) return Float64Array.from(row);
  const out = new Float64Array(data.degree);
  for (let k = 1; k <= data.degree; k++) out[k - 1] = roundedPower(row[0], k);
  return out;
}

/**
 * The log relative error LRE = −log10(|x − c| / |c|) of a computed value x against a certified
 * value c (−log10 |x| when c = 0, as NIST grades certified zeros), capped at `cap` (15 by default)
 * and floored at 0; NaN or infinite x scores 0.
 */
export function lre(x: number, c: number, cap = 15): number {
  if (!Number.isFinite(x)) return 0;
  const err = c === 0 ? Math.abs(x) : Math.abs(x - c) / Math.abs(c);
  if (err === 0) return cap;
  return Math.max(0, Math.min(cap, -Math.log10(err)));
}

/**
 * The polynomial features t, t², …, t^degree of t = (x − c)/s for observation `i` (each
 * {@linkcode roundedPower}); with c and s chosen so that t is exact (e.g. c = −6, s = 4 for
 * Filip), this basis is far better conditioned than x, x², … and its rounding costs fewer
 * digits. Map the fitted coefficients back with {@linkcode monomialFromShifted}.
 */
export function shiftedFeatures(data: NistDataset, i: number, c: number, s: number): Float64Array {
  const t = (data.x[i][0] - c) / s;
  if ((t * s) + c !== data.x[i][0]) throw new RangeError("shifted features: t is not exact");
  const out = new Float64Array(data.degree);
  for (let k = 1; k <= data.degree; k++) out[k - 1] = roundedPower(t, k);
  return out;
}

/**
 * Maps the coefficients g₀ … g_d of y = Σ g_k ((x − c)/s)^k to those of y = Σ β_j x^j:
 * β_j = Σ_{k≥j} g_k·C(k, j)·(−c)^(k−j)/s^k, summed in double-double (exact when c is an integer,
 * s a power of two, and C(k, j)·|c|^(k−j) < 2^53).
 */
export function monomialFromShifted(g: ArrayLike<number>, c: number, s: number): Float64Array {
  const d = g.length - 1;
  const out = new Float64Array(d + 1);
  for (let j = 0; j <= d; j++) {
    let hi = 0;
    let lo = 0;
    let binom = 1; // C(k, j), starting at k = j
    for (let k = j; k <= d; k++) {
      if (k > j) binom = (binom * k) / (k - j);
      const factor = (binom * (-c) ** (k - j)) / s ** k;
      const [p, e] = twoProduct(g[k], factor);
      const sum = hi + p;
      const v = sum - hi;
      const err = (hi - (sum - v)) + (p - v) + lo + e;
      hi = sum + err;
      lo = err - (hi - sum);
    }
    out[j] = hi + lo;
  }
  return out;
}
