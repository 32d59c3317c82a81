/**
 * A real MQTT broker for integration tests: Debian's mosquitto (`apt-get install mosquitto`;
 * .ci/run installs it), started on 127.0.0.1 on a free port with a config in a temporary folder,
 * killed at the end. Missing binary: the test fails and says how to install it (never skips).
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { freePort } from './net';

const BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => fs.existsSync(p));

export interface Mosquitto {
  port: number;
  url: string;
  log(): string;
  stop(): Promise<void>;
}


export async function startMosquitto(): Promise<Mosquitto> {
  if (!BIN) throw new Error('mosquitto is not installed: apt-get install -y mosquitto (the MQTT integration tests need a real broker)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-mosq-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stdout', 'log_type error', 'log_type warning', 'log_type notice', ''].join('\n'));
  const child: ChildProcess = spawn(BIN, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${out}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port} within 10 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
