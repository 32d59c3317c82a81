/** A real Modbus TCP server (jsmodbus) on 127.0.0.1 and an ephemeral port: one per simulated PLC. */
import { ModbusTestServer } from '../helpers/modbus';

export class TestPlc extends ModbusTestServer {
  constructor() {
    super({ registers: 1024 });
  }
}
