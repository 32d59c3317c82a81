/**
 * Statistics for the machine-level scorer (machine.ts): the F and chi-square quantiles that set
 * the T2 limits, the batch-means effective sample size that decides whether a channel's level
 * can be learned from the learning window, the Ledoit-Wolf shrinkage covariance and a Cholesky
 * solve. Pure functions, no allocation beyond the result.
 */

/** log Gamma(x), x > 0 (Lanczos, g = 7, 9 terms; |relative error| < 1e-13). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61503916999185, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz). */
function betacf(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lbt) * betacf(a, b, x)) / a;
  return 1 - (Math.exp(lbt) * betacf(b, a, 1 - x)) / b;
}

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lg = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let del = sum;
    for (let n = 1; n < 10_000; n++) {
      del *= x / (a + n);
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - lg);
  }
  // continued fraction for Q
  const TINY = 1e-300;
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return 1 - Math.exp(-x + a * Math.log(x) - lg) * h;
}

/** P(F(d1, d2) <= f). */
export function fCdf(f: number, d1: number, d2: number): number {
  if (f <= 0) return 0;
  return betaInc((d1 * f) / (d1 * f + d2), d1 / 2, d2 / 2);
}

/** P(chi2(k) <= x). */
export function chi2Cdf(x: number, k: number): number {
  return gammaP(k / 2, x / 2);
}

/** Invert a increasing cdf by bisection on [0, hi] (hi doubled until it brackets). */
function invert(cdf: (x: number) => number, p: number): number {
  let lo = 0;
  let hi = 1;
  while (cdf(hi) < p && hi < 1e12) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Upper quantile of F(d1, d2): the f with P(F > f) = alpha. */
export function fQuantileUpper(alpha: number, d1: number, d2: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('fQuantileUpper: alpha must be in (0, 1)');
  return invert((x) => fCdf(x, d1, d2), 1 - alpha);
}

/** Upper quantile of chi2(k). */
export function chi2QuantileUpper(alpha: number, k: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('chi2QuantileUpper: alpha must be in (0, 1)');
  return invert((x) => chi2Cdf(x, k), 1 - alpha);
}

/**
 * Upper control limit of Hotelling's T2 for a new observation when the mean and covariance are
 * estimated from n observations (Tracy, Young and Mason 1992): p (n+1)(n-1) / (n (n-p)) F(p, n-p).
 * n may be an effective sample size (not an integer). For n - p above 10,000 the chi-square limit
 * is used (the two agree to better than 0.1 %).
 */
export function t2Limit(alpha: number, p: number, n: number): number {
  if (n - p > 10_000) return chi2QuantileUpper(alpha, p);
  if (!(n > p + 1)) return Infinity;
  return ((p * (n + 1) * (n - 1)) / (n * (n - p))) * fQuantileUpper(alpha, p, n - p);
}

/**
 * Effective sample size of a series by batch means (the method of simulation output analysis):
 * B batches, long-run variance = L * var(batch means), n_eff = n * var / long-run variance,
 * capped at n. White noise gives about n; a pure trend gives about B (the batch means follow the
 * trend), so a channel whose level drifts through the learning window has n_eff near B.
 */
export function batchMeansNeff(xs: ArrayLike<number>, batches = 10): number {
  const n = xs.length;
  const L = Math.floor(n / batches);
  if (L < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - mean) ** 2;
  v /= n;
  if (!(v > 0)) return 0;
  const bm: number[] = [];
  for (let b = 0; b < batches; b++) {
    let s = 0;
    for (let i = b * L; i < (b + 1) * L; i++) s += xs[i];
    bm.push(s / L);
  }
  const bmean = bm.reduce((a, x) => a + x, 0) / batches;
  const bv = bm.reduce((a, x) => a + (x - bmean) ** 2, 0) / (batches - 1);
  const lr = L * bv;
  if (!(lr > 0)) return n;
  return Math.min(n, (n * v) / lr);
}

/**
 * Ledoit-Wolf (2004) shrinkage covariance of rows (already centred and standardised) towards
 * the scaled identity: (1 - a) S + a m I with the intensity a estimated from the data. Well
 * conditioned for any n, so its inverse does not blow up the least-varying directions.
 * Returns the matrix (row-major p x p) and the intensity.
 */
export function shrinkageCov(rows: readonly Float64Array[], p: number): { cov: Float64Array; intensity: number } {
  const n = rows.length;
  const S = new Float64Array(p * p);
  for (const r of rows) for (let i = 0; i < p; i++) for (let j = i; j < p; j++) S[i * p + j] += r[i] * r[j];
  for (let i = 0; i < p; i++) for (let j = i; j < p; j++) {
    S[i * p + j] /= n;
    S[j * p + i] = S[i * p + j];
  }
  let m = 0;
  for (let i = 0; i < p; i++) m += S[i * p + i];
  m /= p;
  let d2 = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) d2 += (S[i * p + j] - (i === j ? m : 0)) ** 2;
  let b2 = 0;
  for (const r of rows) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) b2 += (r[i] * r[j] - S[i * p + j]) ** 2;
  b2 /= n * n;
  b2 = Math.min(b2, d2);
  const a = d2 > 0 ? b2 / d2 : 1;
  const cov = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) cov[i * p + j] = (1 - a) * S[i * p + j] + (i === j ? a * m : 0);
  return { cov, intensity: a };
}

/** Inverse of a symmetric positive-definite matrix (row-major) by Cholesky; throws when not positive definite. */
export function invertSpd(a: ArrayLike<number>, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError('invertSpd: matrix not positive definite');
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  }
  // inverse of L, then L^-T L^-1
  const Li = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    Li[i * p + i] = 1 / L[i * p + i];
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * p + k] * Li[k * p + j];
      Li[i * p + j] = s / L[i * p + i];
    }
  }
  const inv = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = i; k < p; k++) s += Li[k * p + i] * Li[k * p + j];
    inv[i * p + j] = s;
    inv[j * p + i] = s;
  }
  return inv;
}
