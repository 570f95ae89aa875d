// Numbers in tables as the CLI prints them (bin/commands/compare.ts): integers as they are, else
// 4 significant digits, an exponent outside [1e-3, 1e5).
export function formatValue(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : v.toPrecision(4);
}
