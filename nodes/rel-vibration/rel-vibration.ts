/**
 * rel-vibration: a waveform reading in, vibration features out (msg.payload.features): time
 * domain, velocity RMS and ISO 10816 zone, order lines, envelope spectrum and bearing bands.
 * Thin glue over nodes/core/signal/vibration.ts.
 *
 * Per frame the glue does one validation pass over the samples (no copy), keeps the resonance band
 * chosen by spectral kurtosis per asset + channel + fs + frame length (EnvelopeBandCache: chosen on
 * the first frame, reused until it is 30 frames old or the band's level or kurtosis moves), and
 * updates the status dot at most every 500 ms (at once when the zone or rpm state changes; the
 * latest value is shown when the burst ends).
 */
import { InputError } from '../core/errors';
import { MAX_FFT_SIZE, MIN_FFT_SIZE } from '../core/signal/fft';
import { analyzeVibration, EnvelopeBandCache, UNITS, type FrameMode, type VibrationOptions } from '../core/signal/vibration';
import { WINDOWS, type WindowName } from '../core/signal/window';
import { num, object, oneOf, optNum, own, samples } from '../core/validate';
import { resolveAsset } from '../shared/assets';
import { getClock } from '../shared/clock';
import { defineNode } from '../shared/node';
import type { NodeDef, RedApi } from '../shared/red';
import { status, throttledStatus } from '../shared/status';

interface VibrationDef extends NodeDef {
  asset?: string;
  window?: WindowName;
  frameMode?: FrameMode;
  bandLow?: number | string;
  bandHigh?: number | string;
  envelopeBand?: 'auto' | 'fixed';
  envLow?: number | string;
  envHigh?: number | string;
  spectrumPoints?: number | string;
  envelopePoints?: number | string;
}

/** Least time between two status updates of the same kind, ms. */
const STATUS_MS = 500;

/** Resolve the node's form into analysis options (throws on a bad form). */
function vibrationConfig(c: VibrationDef): Omit<VibrationOptions, 'fs'> {
  const window = oneOf(c.window || 'hann', 'window', WINDOWS);
  const frameMode = oneOf(c.frameMode || 'trim', 'frame handling', ['trim', 'pad'] as const);
  const lo = num(c.bandLow ?? 10, 'velocity band low', { gt: 0, max: 100000 });
  const hi = num(c.bandHigh ?? 1000, 'velocity band high', { gt: lo, max: 1000000 });
  const o: Omit<VibrationOptions, 'fs'> = { window, frameMode, velocityBand: [lo, hi] };
  if (c.envelopeBand === 'fixed') {
    const el = num(c.envLow, 'envelope band low', { gt: 0 });
    const eh = num(c.envHigh, 'envelope band high', { gt: el });
    o.envelopeBand = [el, eh];
  } else o.envelopeBand = 'auto';
  o.spectrumPoints = num(c.spectrumPoints === '' || c.spectrumPoints === undefined ? 0 : c.spectrumPoints, 'spectrum points', { min: 0, max: 65536, integer: true });
  o.envelopePoints = num(c.envelopePoints === '' || c.envelopePoints === undefined ? 0 : c.envelopePoints, 'envelope points', { min: 0, max: 65536, integer: true });
  return o;
}

export = function (RED: RedApi) {
  defineNode<VibrationDef>(RED, 'rel-vibration', (node, config) => {
    const base = vibrationConfig(config);
    const bands = new EnvelopeBandCache();
    const clock = getClock(RED);
    // shown at once when its kind changes (zone, rpm state), else at most every STATUS_MS
    const shown = throttledStatus(clock, STATUS_MS);
    const show = shown.show;
    return {
      close: () => {
        shown.close();
        bands.clear();
      },
      input: (msg, send) => {
        const p = object(msg.payload, 'msg.payload');
        const x = samples(own(p, 'samples'), 'msg.payload.samples', { min: MIN_FFT_SIZE, max: MAX_FFT_SIZE });
        const fs = num(own(p, 'fs'), 'msg.payload.fs', { gt: 0, max: 10_000_000 });
        const rpmIn = optNum(own(p, 'rpm'), 'msg.payload.rpm', { min: 0, max: 1_000_000 });
        const q = own(p, 'quantity');
        const u = own(p, 'unit');
        const unit = u === undefined || u === null || u === '' ? (q === 'velocity' ? 'mm/s' : 'g') : oneOf(u, 'msg.payload.unit', UNITS);
        if (q !== undefined && q !== null && q !== 'acceleration' && q !== 'velocity') throw new InputError('msg.payload.quantity', 'acceleration or velocity (a waveform)', q);
        const asset = resolveAsset(RED, config.asset, msg);
        const rpm = rpmIn ?? asset.rpm;
        if (base.frameMode === 'pad' && x.length > MAX_FFT_SIZE / 2 && (x.length & (x.length - 1)) !== 0)
          throw new InputError('msg.payload.samples', `at most ${MAX_FFT_SIZE / 2} samples when zero-padding`, own(p, 'samples'));
        const ch = own(p, 'channel');
        const key = `${asset.assetId}\u0000${typeof ch === 'string' ? ch : typeof msg.topic === 'string' ? msg.topic : ''}\u0000${fs}\u0000${x.length}`;
        const o: VibrationOptions = { ...base, fs, unit, rpm, bearing: asset.bearingMultiples, machineClass: asset.machineClass, band: bands.band(key) };
        const features = analyzeVibration(x, o);
        bands.record(key, features);
        msg.payload = { ...p, features };
        send(msg);
        const v = features.velocityRms;
        const zone = features.isoZone;
        const text = `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} mm/s · zone ${zone}`;
        if (!features.rpm) {
          const why = rpmIn === 0 ? 'stopped' : 'no rpm';
          show(`${zone}${why}`, () => status.warn(node, `${text} · ${why}`));
        } else if (zone === 'C' || zone === 'D') show(`${zone}`, () => status.warn(node, text));
        else show(`${zone}`, () => status.ok(node, text));
      },
    };
  });
};
