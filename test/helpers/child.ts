/**
 * A child Node.js process for crash tests: it prints a line `ack ...` for every write it has
 * acknowledged; the parent kills it with SIGKILL once `killAfter` of them have been seen
 * (undefined: let it finish). Counting acknowledgements rather than milliseconds puts every kill
 * inside the work however fast the machine is.
 */
import { spawn } from 'child_process';

export interface ChildRun {
  out: string;
  err: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether this helper sent the SIGKILL. */
  killed: boolean;
}

export function runKilledAfterAcks(args: readonly string[], killAfter: number | undefined): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let acks = 0;
    let killed = false;
    child.stdout.on('data', (d) => {
      out += d;
      acks += (String(d).match(/^ack /gm) ?? []).length;
      if (killAfter !== undefined && !killed && acks >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ out, err, code, signal, killed }));
  });
}
