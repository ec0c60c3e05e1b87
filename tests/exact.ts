/** Test helper: a double's exact value, for checks against exact (BigInt) arithmetic. */

/** A double as (m, e): v = m·2^e exactly, with integers m and e ≥ −1074. */
export function doubleParts(v: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  return [sign * mantissa, (exponent === 0 ? 1 : exponent) - 1075];
}
