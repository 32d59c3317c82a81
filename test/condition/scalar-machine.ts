/**
 * A scripted scalar machine for the machine-health specs: a run bit, a part counter, motor
 * current, velocity RMS (mm/s, a 4-20 mA transmitter), motor temperature. Seeded, one poll
 * (an array of canonical readings, as rel-ingest emits) per call.
 */
import { Rng } from '../../nodes/core/signal/random';

export interface Phase {
  running: boolean;
  /** Velocity RMS, mm/s, before noise. */
  velocity?: number;
  current?: number;
  temp?: number;
}

export class ScalarMachine {
  private rng: Rng;
  count = 0;
  constructor(
    readonly asset = 'pump-7',
    seed = 7,
  ) {
    this.rng = new Rng(seed);
  }

  poll(ts: number, p: Phase): object[] {
    const g = () => this.rng.gauss();
    if (p.running) this.count++;
    const vel = p.running ? (p.velocity ?? 1.2) * (1 + 0.03 * g()) : 0.02 + 0.005 * Math.abs(g());
    const cur = p.running ? (p.current ?? 42) + 0.6 * g() : 0.05 * Math.abs(g());
    const temp = (p.temp ?? 58) + 0.15 * g();
    const base = { asset: this.asset, ts, quality: 'good', source: 'modbus' };
    return [
      { ...base, channel: 'run', quantity: 'state', value: p.running ? 1 : 0 },
      { ...base, channel: 'parts', quantity: 'count', unit: 'parts', value: this.count },
      { ...base, channel: 'current', quantity: 'current', unit: 'A', value: cur },
      { ...base, channel: 'velocity', quantity: 'velocity', unit: 'mm/s', value: vel },
      { ...base, channel: 'motor-temp', quantity: 'temperature', unit: 'degC', value: temp },
    ];
  }
}
