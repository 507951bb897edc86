/** SplitMix64: a tiny deterministic generator so randomized vectors and tests are reproducible by seed. */
const MASK64 = (1n << 64n) - 1n;

export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK64;
  }

  /** Next uniformly distributed 64-bit value. */
  next64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  /** Uniform in [0, 2^bits) for bits <= 64. */
  bits(bits: number): bigint {
    return bits === 0 ? 0n : this.next64() >> BigInt(64 - bits);
  }

  /** A value of random magnitude: uniform bit length 0..maxBits, then uniform below it. */
  magnitude(maxBits: number): bigint {
    return this.bits(Number(this.next64() % BigInt(maxBits + 1)));
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Number(this.next64() % BigInt(n));
  }
}
