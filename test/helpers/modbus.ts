/**
 * A real Modbus TCP server (jsmodbus) on 127.0.0.1: one simulated PLC. The first start takes an
 * ephemeral port; a restart after stop() listens on the same port again (a PLC coming back).
 * stop() drops the open client connections, as a PLC that goes away does.
 */
import net from 'net';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const Modbus = require('jsmodbus');

export interface ModbusServerOptions {
  /** Holding registers served (words); default 1024. */
  registers?: number;
  /** Coils and discrete inputs served (bits); default 64. */
  bits?: number;
}

export class ModbusTestServer {
  readonly holding: Buffer;
  readonly coils: Buffer;
  readonly discrete: Buffer;
  port = 0;
  private server?: net.Server;
  private sockets = new Set<net.Socket>();

  constructor(opts: ModbusServerOptions = {}) {
    this.holding = Buffer.alloc(2 * (opts.registers ?? 1024));
    this.coils = Buffer.alloc(Math.ceil((opts.bits ?? 64) / 8));
    this.discrete = Buffer.alloc(Math.ceil((opts.bits ?? 64) / 8));
  }

  /** Listen (port 0 the first time, the same port after a stop); resolves with the port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.on('connection', (s) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      new Modbus.server.TCP(srv, { holding: this.holding, coils: this.coils, discrete: this.discrete });
      srv.once('error', reject);
      srv.listen(this.port, '127.0.0.1', () => {
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

  /** Write holding register words from register `at`. */
  write(at: number, words: readonly number[]): void {
    words.forEach((w, i) => this.holding.writeUInt16BE(w & 0xffff, 2 * (at + i)));
  }

  /** Set bits on as on the wire: bit i is bit (i % 8) of byte i / 8 (Modbus, LSB first). */
  static bits(buf: Buffer, on: readonly number[]): void {
    buf.fill(0);
    for (const i of on) buf[i >> 3] |= 1 << (i & 7);
  }
}
