/**
 * Paired statistics for two runs of the same samples (docs/REPORTS.md, "Is the change real?"):
 * Student's t for the mean of per-sample differences, the exact McNemar test for pass/fail
 * flips, and the smallest effect this comparison could detect. Pure numbers, no I/O.
 *
 * The distributions are short, standard implementations: log-gamma by the Lanczos
 * approximation, the regularized incomplete beta function by its continued fraction, Student's t
 * from that, and its quantile by bisection. Tests check them against published tables.
 */

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i + 1);
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  // The continued fraction converges fast on one side of the mean; use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, for 0 < p < 1 (bisection: slow-ish, exact to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12; i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * The exact two-sided McNemar p-value: b and c are the discordant pairs (pass→fail and
 * fail→pass); under "no change" each is Binomial(b + c, 1/2). Twice the smaller tail, capped at
 * 1; 1 when there are no discordant pairs.
 */
export function mcnemarExactP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  // Binomial terms in log space: n can be in the thousands.
  const logHalf = n * Math.log(0.5);
  for (let i = 0; i <= k; i++)
    tail += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + logHalf);
  return Math.min(1, 2 * tail);
}

export type PairedVerdict = 'worse' | 'better' | 'no clear change';

/** One metric compared over the samples both runs scored. */
export interface PairedStatistics {
  /** Samples scored by the metric in both runs. */
  readonly n: number;
  /** Mean of head − base over those samples, in score units (0–1). */
  readonly mean_difference: number;
  /** Sample standard deviation of the differences / √n; null when n < 2. */
  readonly standard_error: number | null;
  readonly confidence: number;
  /** The two-sided interval of the mean difference; null when it cannot be computed. */
  readonly interval: readonly [number, number] | null;
  /** The paired t-test's two-sided p-value; null when it cannot be computed. */
  readonly p_value: number | null;
  /** Samples that passed in the base run and failed in the head run (b), and the reverse (c). */
  readonly pass_to_fail: number;
  readonly fail_to_pass: number;
  /** The exact McNemar two-sided p-value of b against c. */
  readonly mcnemar_p: number;
  readonly verdict: PairedVerdict;
  /**
   * The smallest true mean difference this n and spread would detect with 80 % power at this
   * confidence (two-sided), in score units; null when it cannot be computed.
   */
  readonly min_detectable_effect: number | null;
  /** The same in percentage points. */
  readonly min_detectable_effect_points: number | null;
  /** Why the interval is missing, when it is. */
  readonly note: string | null;
}

/** Power the minimum detectable effect is computed for. */
const POWER = 0.8;

/**
 * Paired statistics of `pairs` (base, head scores of the same samples) at `confidence`, with
 * pass/fail flips counted at each pair's pass line.
 */
export function pairedStatistics(
  pairs: readonly {
    readonly base: number;
    readonly head: number;
    readonly passLine: number;
    /** The head run's pass line when it differs from the base's. */
    readonly headPassLine?: number;
  }[],
  confidence: number,
): PairedStatistics {
  const n = pairs.length;
  let sum = 0;
  let passToFail = 0;
  let failToPass = 0;
  for (const pair of pairs) {
    sum += pair.head - pair.base;
    const before = pair.base >= pair.passLine;
    const after = pair.head >= (pair.headPassLine ?? pair.passLine);
    if (before && !after) passToFail++;
    else if (!before && after) failToPass++;
  }
  const mean = n === 0 ? 0 : sum / n;
  const flips = {
    pass_to_fail: passToFail,
    fail_to_pass: failToPass,
    mcnemar_p: mcnemarExactP(passToFail, failToPass),
  };
  const base = { n, mean_difference: mean, confidence, ...flips };
  if (n < 2) {
    return {
      ...base,
      standard_error: null,
      interval: null,
      p_value: null,
      verdict: 'no clear change',
      min_detectable_effect: null,
      min_detectable_effect_points: null,
      note:
        n === 0 ? 'no sample was scored in both runs' : 'one paired sample: no spread to measure',
    };
  }
  let squares = 0;
  for (const pair of pairs) squares += (pair.head - pair.base - mean) ** 2;
  const se = Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
  const df = n - 1;
  const alpha = 1 - confidence;
  const critical = studentTQuantile(1 - alpha / 2, df);
  const mde = (critical + studentTQuantile(POWER, df)) * se;
  if (se === 0) {
    // Every pair moved by exactly the same amount: no interval, but no doubt either.
    return {
      ...base,
      standard_error: 0,
      interval: null,
      p_value: mean === 0 ? 1 : 0,
      verdict: mean < 0 ? 'worse' : mean > 0 ? 'better' : 'no clear change',
      min_detectable_effect: 0,
      min_detectable_effect_points: 0,
      note: 'every sample moved by the same amount: no spread, so no interval',
    };
  }
  const interval: [number, number] = [mean - critical * se, mean + critical * se];
  const t = mean / se;
  const p = Math.min(1, 2 * (1 - studentTCdf(Math.abs(t), df)));
  return {
    ...base,
    standard_error: se,
    interval,
    p_value: p,
    verdict: interval[1] < 0 ? 'worse' : interval[0] > 0 ? 'better' : 'no clear change',
    min_detectable_effect: mde,
    min_detectable_effect_points: mde * 100,
    note: null,
  };
}
