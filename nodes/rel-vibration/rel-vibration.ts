/**
 * rel-vibration: a waveform reading in, vibration features out (msg.payload.features): time
 * domain, velocity RMS and ISO 10816 zone, order lines, envelope spectrum and bearing bands.
 * Thin glue over nodes/core/signal/vibration.ts and vibration-stream.ts (per-stream state).
 *
 * Per frame the glue does one validation pass over the samples (no copy), keeps the resonance band
 * chosen by spectral kurtosis per asset + channel + fs + frame length (EnvelopeBandCache: chosen on
 * the first frame, reused until it is 30 frames old or the band's level or kurtosis moves), and
 * updates the status dot at most every 500 ms (at once when the zone or rpm state changes; the
 * latest value is shown when the burst ends).
 *
 * Shaft speed for the order and bearing analysis (config `rpmSource`, `features.rpmSource` says
 * which one a frame used):
 * - `reading` (default): the frame's `rpm`, else the asset's nominal rpm;
 * - `speed`: speed readings (`quantity: 'speed'`, rpm or Hz) wired into the same input update the
 *   latest speed per asset (consumed, no output); frames use it while it is fresh (at most
 *   `speedMaxAge` s from the frame's ts) and not `bad`, else fall back as `reading` with a
 *   warning status;
 * - `typed`: a typed input (msg, flow, global, env, num) evaluated per frame.
 * Optional last output (config `dashboard`): velocity RMS as a number, or the spectrum / envelope
 * spectrum as one ui-chart curve.
 */
import { MAX_FFT_SIZE } from '../core/signal/fft';
import type { VibrationFeatures } from '../core/signal/vibration';
import { frameStatus, redecimate, speedStatus, waveformFrame, RPM_MAX, SpeedTable, speedReading, vibrationConfig, vibrationSettings, VibrationStreams, withFeatures, type VibrationNodeForm } from '../core/signal/vibration-stream';
import { num, object, own, time } from '../core/validate';
import { resolveAsset, type AssetSpec } from '../shared/assets';
import { getClock } from '../shared/clock';
import { chartCurve, numberMessages } from '../shared/dashboard';
import { defineNode, evalTyped } from '../shared/node';
import type { NodeDef, NodeMessage, RedApi, SendFn } from '../shared/red';
import { status, throttledStatus } from '../shared/status';

type RpmSource = 'reading' | 'speed-channel' | 'typed' | 'asset';

interface VibrationDef extends NodeDef, VibrationNodeForm {
  asset?: string;
}

/** Least time between two status updates of the same kind, ms. */
const STATUS_MS = 500;
/** Points of a dashboard curve (decimated on the server, peaks kept). */
const CURVE_POINTS = 400;
/** Chart points asked of the core when the dashboard needs the whole spectrum (step 1 at any N). */
const FULL = MAX_FFT_SIZE;

export = function (RED: RedApi) {
  defineNode<VibrationDef>(RED, 'rel-vibration', (node, config) => {
    const base = vibrationConfig(config);
    const spectrumPoints = base.spectrumPoints ?? 0;
    const envelopePoints = base.envelopePoints ?? 0;
    const { mode, maxAgeMs, dashboard, averages, typed } = vibrationSettings(config);
    const { type: typedType, expr: typedExpr, constant: typedConst, path: typedPath } = typed;

    const streams = new VibrationStreams(base, averages);
    if (dashboard === 'spectrum') streams.chartPoints(FULL, envelopePoints);
    if (dashboard === 'envelope') streams.chartPoints(spectrumPoints, FULL);
    const speeds = new SpeedTable(maxAgeMs);
    let lastFrameAt = -Infinity;
    const clock = getClock(RED);
    // shown at once when its kind changes (zone, rpm state), else at most every STATUS_MS
    const shown = throttledStatus(clock, STATUS_MS);
    const show = shown.show;

    // the configured asset is looked up once (a changed rel-asset redeploys this node)
    let fixedAsset: AssetSpec | undefined;
    const assetOf = (msg: NodeMessage): AssetSpec => {
      if (fixedAsset) return fixedAsset;
      const a = resolveAsset(RED, config.asset, msg);
      if (config.asset) fixedAsset = a;
      return a;
    };
    /** The analysis of one validated frame with its rpm; sends and updates the status. */
    const analyse = (msg: NodeMessage, p: Record<string, unknown>, x: ArrayLike<number>, fs: number, unit: string, asset: AssetSpec, ch: string, rpm: number | undefined, source: RpmSource | null, why: string | null, send: SendFn) => {
      const features = streams.analyse(x, fs, unit, asset, ch, rpm) as VibrationFeatures & { rpmSource: RpmSource | null };
      features.rpmSource = source;
      let dash: NodeMessage[] | NodeMessage | null = null;
      if (dashboard === 'velocity') {
        const ts = own(p, 'ts');
        dash = numberMessages([{ label: 'velocity RMS', value: features.velocityRms, unit: 'mm/s', digits: 2 }], { asset: asset.assetId, ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined });
      } else if (dashboard === 'spectrum' && features.spectrum) {
        dash = chartCurve(features.spectrum, `${asset.assetId} spectrum`, asset.assetId, own(p, 'ts'), CURVE_POINTS);
        features.spectrum = spectrumPoints > 0 ? redecimate(features.spectrum, spectrumPoints) : undefined;
        if (!features.spectrum) delete features.spectrum;
      } else if (dashboard === 'envelope') {
        if (features.envelope) {
          dash = chartCurve(features.envelope, `${asset.assetId} envelope`, asset.assetId, own(p, 'ts'), CURVE_POINTS);
          features.envelope = envelopePoints > 0 ? redecimate(features.envelope, envelopePoints) : undefined;
          if (!features.envelope) delete features.envelope;
        }
      }
      msg.payload = withFeatures(p, features);
      send(dashboard ? [msg, dash] : msg);
      lastFrameAt = clock.now();
      const st = frameStatus(features, rpm, why, averages, source);
      show(st.kind, () => {
        const d = st.dot();
        status[d.level](node, d.text);
      });
    };

    return {
      close: () => {
        shown.close();
        streams.clear();
        speeds.clear();
        fixedAsset = undefined;
      },
      input: (msg, send) => {
        const p = object(msg.payload, 'msg.payload');
        const q = own(p, 'quantity');
        if (q === 'speed' && mode === 'speed') {
          // a speed reading: remember the latest per asset; no output
          const asset = assetOf(msg);
          const s = speedReading(p, clock.now());
          speeds.update(asset.assetId, s);
          const st = speedStatus(asset.assetId, s);
          // shown until frames come (then the frame status carries the rpm it used), and when bad
          if (s.quality === 'bad' || clock.now() - lastFrameAt > maxAgeMs) show(st.kind, () => status[st.level](node, st.text));
          return;
        }
        const { x, fs, rpmIn, unit, ch } = waveformFrame(p, msg.topic, base.frameMode, mode === 'speed');
        const asset = assetOf(msg);
        // the frame's own rpm, else the asset's nominal rpm (also the fallback of the other modes)
        const fallback = rpmIn !== undefined ? rpmIn : asset.rpm;
        const fbSource: RpmSource | null = rpmIn !== undefined ? 'reading' : asset.rpm !== undefined ? 'asset' : null;
        if (mode === 'reading') return analyse(msg, p, x, fs, unit, asset, ch, fallback, fbSource, null, send);
        if (mode === 'speed') {
          const t = own(p, 'ts');
          const ts = t === undefined || t === null ? clock.now() : time(t, 'msg.payload.ts');
          const s = speeds.at(asset.assetId, ts);
          if ('rpm' in s) return analyse(msg, p, x, fs, unit, asset, ch, s.rpm, 'speed-channel', null, send);
          return analyse(msg, p, x, fs, unit, asset, ch, fallback, fbSource, s.why, send);
        }
        if (typedConst !== undefined) return analyse(msg, p, x, fs, unit, asset, ch, typedConst, 'typed', null, send);
        // a msg path through a missing object (msg.speed.rpm without msg.speed) is "no rpm", not a crash
        const typed = evalTyped(RED, node, typedExpr, typedType, msg);
        return (typedType === 'msg' ? typed.catch(() => undefined) : typed).then((v) => {
          if (v === undefined || v === null || v === '') return analyse(msg, p, x, fs, unit, asset, ch, fallback, fbSource, `no ${typedPath}`, send);
          return analyse(msg, p, x, fs, unit, asset, ch, num(v, typedPath, { min: 0, max: RPM_MAX }), 'typed', null, send);
        });
      },
    };
  });
};
