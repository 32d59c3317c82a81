/** A real Modbus TCP server (jsmodbus) on 127.0.0.1 and an ephemeral port: one per simulated PLC. */
import net from 'net';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const Modbus = require('jsmodbus');

export class TestPlc {
  holding = Buffer.alloc(2 * 1024);
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  port = 0;
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.on('connection', (s) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      new Modbus.server.TCP(srv, { holding: this.holding });
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        this.port = (srv.address() as net.AddressInfo).port;
        this.server = srv;
        resolve(this.port);
      });
    });
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      for (const s of this.sockets) s.destroy();
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server = undefined;
    });
  }
  /** Write register words from `at`. */
  write(at: number, words: number[]): void {
    words.forEach((w, i) => this.holding.writeUInt16BE(w & 0xffff, 2 * (at + i)));
  }
}
