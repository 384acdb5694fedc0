/**
 * A Bloom filter over strings: "definitely not seen" answers without I/O.
 * 2^24 bits (2 MiB) and 7 probes keep false positives near 1% up to about
 * 1.7 million entries; past that they rise, which costs lookups, never
 * correctness.
 */
export class BloomFilter {
  private readonly bits: Uint32Array
  private readonly mask: number

  constructor(
    log2Bits = 24,
    private readonly probes = 7
  ) {
    this.bits = new Uint32Array(2 ** (log2Bits - 5))
    this.mask = 2 ** log2Bits - 1
  }

  add(value: string): void {
    const [h1, h2] = hashes(value)
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + i * h2) & this.mask
      this.bits[bit >>> 5] = this.word(bit) | (1 << (bit & 31))
    }
  }

  mightContain(value: string): boolean {
    const [h1, h2] = hashes(value)
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + i * h2) & this.mask
      if ((this.word(bit) & (1 << (bit & 31))) === 0) return false
    }
    return true
  }

  /** The 32-bit word holding `bit` (always in range: `bit` is masked to the filter's size). */
  private word(bit: number): number {
    return this.bits[bit >>> 5] ?? 0
  }
}

/** Two independent 32-bit FNV-1a hashes, for double hashing. */
function hashes(value: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  return [a >>> 0, (b >>> 0) | 1]
}
