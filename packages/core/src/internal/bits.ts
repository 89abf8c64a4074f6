/** mask32 is the 32-bit mask with the first `bits` bits set, for `bits` clamped to 0 … 32. */
export function mask32(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}
