/** Test helper: register words of a value in a given byte layout, built with Node's Buffer (independent of the decoder). */
import type { RegisterType } from '../../nodes/core/ingest';

/** Registers of a value in a byte layout ("ABCD", "CDAB", "BADC", "DCBA" for 32 bits), via Node's Buffer. */
export function wordsOf(value: number, type: RegisterType, layout: string): number[] {
  const n = type === 'float64' ? 8 : type.endsWith('32') ? 4 : 2;
  const be = Buffer.alloc(n);
  if (type === 'int16') be.writeInt16BE(value);
  else if (type === 'uint16') be.writeUInt16BE(value);
  else if (type === 'int32') be.writeInt32BE(value);
  else if (type === 'uint32') be.writeUInt32BE(value);
  else if (type === 'float32') be.writeFloatBE(value);
  else be.writeDoubleBE(value);
  // layout letters name the big-endian bytes A.. in the order they appear on the wire
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = be[layout.charCodeAt(i) - 65];
  const words: number[] = [];
  for (let i = 0; i < n; i += 2) words.push(out.readUInt16BE(i));
  return words;
}

