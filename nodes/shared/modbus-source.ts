/**
 * Which PLC a node-red-contrib-modbus read came from: modbus-read, modbus-getter and
 * modbus-flex-getter put their own id in `msg.sendingNodeId`; their saved config names the
 * `modbus-client` (`server`), whose config holds `tcpHost` and `tcpPort`. So one rel-ingest with
 * source register and no PLC host serves every PLC whose reads are wired to it: a PLC whose read
 * has its own client needs only that client's address (a read pasted in the editor keeps the
 * copied read's client, so a further PLC needs a new client too).
 */
import { InputError } from '../core/errors';
import type { NodeDef, NodeMessage, RedApi } from './red';

export interface PlcAddress {
  host: string;
  port: number;
}

/** The PLC (client host and port) of the read node with this id, or undefined. */
export function plcOfRead(RED: RedApi, readId: unknown): PlcAddress | undefined {
  if (typeof readId !== 'string' || readId === '' || !RED.nodes.eachNode) return undefined;
  let read: NodeDef | undefined;
  RED.nodes.eachNode((n) => {
    if (n.id === readId) read = n;
  });
  const server = read ? (read as { server?: unknown }).server : undefined;
  if (typeof server !== 'string') return undefined;
  let client: (NodeDef & { tcpHost?: unknown; tcpPort?: unknown }) | undefined;
  RED.nodes.eachNode((n) => {
    if (n.id === server && n.type === 'modbus-client') client = n;
  });
  if (!client || typeof client.tcpHost !== 'string' || client.tcpHost.trim() === '') return undefined;
  const port = Number(client.tcpPort === undefined || client.tcpPort === '' ? 502 : client.tcpPort);
  return { host: client.tcpHost.trim(), port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 502 };
}

/**
 * The PLC of each message for rel-ingest (source register): the node's PLC when it names a host,
 * else the PLC of the modbus-client behind the read (`msg.sendingNodeId`), cached per read node.
 */
export function plcResolver<P extends { host: string; port: number }>(RED: RedApi, fixed: P): (msg: NodeMessage) => P {
  const cache = new Map<string, P>();
  return (msg) => {
    if (fixed.host) return fixed;
    const id = String(msg.sendingNodeId ?? '');
    let p = cache.get(id);
    if (!p) {
      const a = plcOfRead(RED, id);
      if (!a) throw new InputError('msg.sendingNodeId', 'a read from a modbus-read or getter whose modbus-client has a TCP host (or set the PLC host in rel-ingest)', msg.sendingNodeId);
      cache.set(id, (p = { ...fixed, ...a }));
    }
    return p;
  };
}
