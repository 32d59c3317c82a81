/** One early shift with known durations, shared by the core and node OEE specs (hand computation in core.spec.ts). */
const H = 3600_000;
const M = 60_000;
export const DAY0 = Date.UTC(2024, 2, 4); // Monday 2024-03-04, UTC calendar (offset 0)
export const at = (h: number, m = 0, day = 0) => DAY0 + day * 24 * H + h * H + m * M;

export const SCRIPTED_SHIFT = {
  states: [
    [at(6), 'running'],
    [at(8), 'stopped', 'jam'],
    [at(8, 45), 'running'],
    [at(12), 'planned-stop', 'changeover'],
    [at(12, 30), 'idle'],
    [at(12, 40), 'running'],
  ] as [number, string, string?][],
  counts: [
    [at(7), 115, 120],
    [at(8), 118, 120],
    [at(11), 195, 200],
    [at(13, 30), 192, 200],
  ] as [number, number, number][],
};
