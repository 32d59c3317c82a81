/**
 * Spectral windows as cosine sums w[n] = a0 - a1 cos(2 pi n/N) + a2 cos(4 pi n/N) - ... (periodic
 * form). Because each cosine term is a shift in frequency, the windowed spectrum is a short
 * convolution of the raw spectrum: Xw[k] = a0 X[k] - a1/2 (X[k-1] + X[k+1]) + a2/2 (X[k-2] + X[k+2]) ...
 * so one FFT of the raw frame gives both the raw spectrum (for envelope analysis) and the
 * windowed one (3 taps for Hann, 9 for flat-top).
 *
 * Example: a Hann-windowed 1 g sine reads 1 g in its bin (amplitude correction 1/a0 = 2).
 */
export type WindowName = 'hann' | 'flattop' | 'none';
export const WINDOWS: readonly WindowName[] = ['hann', 'flattop', 'none'];

export interface CosineWindow {
  name: WindowName;
  /** a0, a1, a2, ... with alternating signs applied by the formula above. */
  coeffs: readonly number[];
  /** Coherent gain (mean of w) = a0: amplitude correction is 1/a0. */
  coherentGain: number;
  /** Equivalent noise bandwidth in bins: N sum(w^2) / (sum w)^2. */
  enbw: number;
}

function make(name: WindowName, coeffs: number[]): CosineWindow {
  const a0 = coeffs[0];
  let p = a0 * a0;
  for (let i = 1; i < coeffs.length; i++) p += (coeffs[i] * coeffs[i]) / 2;
  return { name, coeffs, coherentGain: a0, enbw: p / (a0 * a0) };
}

export const WINDOW: Readonly<Record<WindowName, CosineWindow>> = {
  hann: make('hann', [0.5, 0.5]),
  // Flat-top (as MATLAB flattopwin): scalloping loss < 0.01 dB, for amplitude accuracy.
  flattop: make('flattop', [0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368]),
  none: make('none', [1]),
};

/** Window value at sample n of a frame of length len (periodic form). */
export function windowValue(w: CosineWindow, n: number, len: number): number {
  let v = w.coeffs[0];
  for (let i = 1; i < w.coeffs.length; i++) v += (i % 2 ? -1 : 1) * w.coeffs[i] * Math.cos((2 * Math.PI * i * n) / len);
  return v;
}

/**
 * Single-sided amplitude spectrum from the raw half spectrum `x` (interleaved re/im, bins 0..n/2,
 * as fft.js realTransform writes them) of an n-point real frame whose mean was removed, windowed
 * in the frequency domain. amp[k] is the peak amplitude of a sinusoid in bin k (amplitude
 * corrected); amp[0] = 0. `amp` must hold n/2 + 1 values. With `upTo` < n/2 only bins 0..upTo
 * are written (the rest of `amp` is left as it was): the pipeline needs the spectrum only up to
 * the velocity band and the 10X order unless a chart asks for all of it.
 */
export function windowedAmplitude(x: ArrayLike<number>, n: number, w: CosineWindow, amp: Float64Array, upTo = n >> 1): void {
  const full = n >> 1;
  const half = Math.max(1, Math.min(full, Math.floor(upTo)));
  const c = w.coeffs;
  const taps = c.length - 1;
  const scale = 2 / (n * w.coherentGain);
  amp[0] = 0;
  // signed half-coefficients: h[j] = (-1)^j a_j / 2 for j >= 1, h[0] = a0
  const h1 = -c[1] / 2 || 0;
  if (taps === 0) {
    for (let k = 1; k <= half; k++) {
      const re = x[2 * k];
      const im = x[2 * k + 1];
      amp[k] = Math.sqrt(re * re + im * im) * scale;
    }
    if (half === full) amp[half] /= 2;
  } else if (taps === 1) {
    const a0 = c[0];
    // interior bins: straight 3-tap convolution
    const top = half === full ? half : half + 1;
    for (let k = 1; k < top; k++) {
      const re = a0 * x[2 * k] + h1 * (x[2 * k - 2] + x[2 * k + 2]);
      const im = a0 * x[2 * k + 1] + h1 * (x[2 * k - 1] + x[2 * k + 3]);
      amp[k] = Math.sqrt(re * re + im * im) * scale;
    }
    // bin 0 was zero (mean removed); X[n/2 + 1] = conj(X[n/2 - 1])
    amp[0] = 0;
    if (half < full) return;
    const k = half;
    const re = a0 * x[2 * k] + h1 * (x[2 * k - 2] + x[2 * k - 2]);
    amp[k] = (Math.abs(re) * scale) / 2;
  } else {
    for (let k = 1; k <= half; k++) {
      let re = c[0] * x[2 * k];
      let im = c[0] * x[2 * k + 1];
      for (let j = 1; j <= taps; j++) {
        const hj = ((j % 2 ? -1 : 1) * c[j]) / 2;
        // bins k-j and k+j, reflected into 0..half with conjugation
        let b = k - j;
        let s = 1;
        if (b < 0) {
          b = -b;
          s = -1;
        }
        re += hj * x[2 * b];
        im += hj * s * x[2 * b + 1];
        b = k + j;
        s = 1;
        if (b > full) {
          b = n - b;
          s = -1;
        }
        re += hj * x[2 * b];
        im += hj * s * x[2 * b + 1];
      }
      amp[k] = Math.sqrt(re * re + im * im) * scale;
    }
    if (half === full) amp[half] /= 2;
  }
}
