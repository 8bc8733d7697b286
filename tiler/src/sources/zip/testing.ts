import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A ZIP writer for tests that need what real tools rarely write on purpose: names without the
 * UTF-8 flag, encrypted or symlink entries, headers that lie about sizes, ZIP64 records. Archives
 * of ordinary files are made with fflate's `zipSync` instead (a real zip writer).
 */

export interface TestEntry {
  /** Text (UTF-8 flag set if it is not ASCII, unless `utf8Flag` says otherwise) or raw bytes. */
  name: string | Uint8Array;
  data?: Uint8Array | string;
  /** 8 (default) deflated with zlib, 0 stored, or any other number written as is. */
  method?: number;
  /** Extra general purpose flag bits (e.g. 0x0001: encrypted). */
  flags?: number;
  utf8Flag?: boolean;
  /** A Unix mode (e.g. 0o120777 for a symbolic link): the entry is then marked made on Unix. */
  unixMode?: number;
  /** Sizes/CRC to declare instead of the true ones (a lying header). */
  declaredSize?: number;
  declaredCrc?: number;
  extra?: Uint8Array;
}

const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);

export function makeZip(entries: readonly TestEntry[], options: { zip64?: boolean } = {}): Uint8Array {
  const zip64 = options.zip64 === true;
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? new TextEncoder().encode(e.name) : e.name;
    const data =
      typeof e.data === 'string' ? new TextEncoder().encode(e.data) : (e.data ?? new Uint8Array(0));
    const method = e.method ?? 8;
    const body = method === 8 ? new Uint8Array(deflateRawSync(data)) : data;
    const utf8 = e.utf8Flag ?? (typeof e.name === 'string' && !ascii(e.name));
    const flags = (e.flags ?? 0) | (utf8 ? 0x0800 : 0);
    const crc = e.declaredCrc ?? crc32(data);
    const size = e.declaredSize ?? data.length;
    const zip64Extra = new Uint8Array(zip64 ? 28 : 0);
    if (zip64) {
      const v = new DataView(zip64Extra.buffer);
      v.setUint16(0, 0x0001, true);
      v.setUint16(2, 24, true);
      v.setBigUint64(4, BigInt(size), true);
      v.setBigUint64(12, BigInt(body.length), true);
      v.setBigUint64(20, BigInt(offset), true);
    }
    const extra = concat([e.extra ?? new Uint8Array(0), zip64Extra]);

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, zip64 ? 45 : 20, true);
    local.setUint16(6, flags, true);
    local.setUint16(8, method, true);
    local.setUint16(12, 0x21, true); // 1980-01-01
    local.setUint32(14, crc, true);
    local.setUint32(18, zip64 ? 0xffffffff : body.length, true);
    local.setUint32(22, zip64 ? 0xffffffff : size, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, extra.length, true);
    const localBytes = concat([new Uint8Array(local.buffer), name, extra, body]);

    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, ((e.unixMode !== undefined ? 3 : 0) << 8) | 20, true);
    central.setUint16(6, zip64 ? 45 : 20, true);
    central.setUint16(8, flags, true);
    central.setUint16(10, method, true);
    central.setUint16(14, 0x21, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, zip64 ? 0xffffffff : body.length, true);
    central.setUint32(24, zip64 ? 0xffffffff : size, true);
    central.setUint16(28, name.length, true);
    central.setUint16(30, extra.length, true);
    central.setUint32(38, e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0, true);
    central.setUint32(42, zip64 ? 0xffffffff : offset, true);
    centrals.push(concat([new Uint8Array(central.buffer), name, extra]));
    locals.push(localBytes);
    offset += localBytes.length;
  }
  const directory = concat(centrals);
  const tail: Uint8Array[] = [];
  if (zip64) {
    const record = new DataView(new ArrayBuffer(56));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setUint16(12, 45, true);
    record.setUint16(14, 45, true);
    record.setBigUint64(24, BigInt(entries.length), true);
    record.setBigUint64(32, BigInt(entries.length), true);
    record.setBigUint64(40, BigInt(directory.length), true);
    record.setBigUint64(48, BigInt(offset), true);
    const locator = new DataView(new ArrayBuffer(20));
    locator.setUint32(0, 0x07064b50, true);
    locator.setBigUint64(8, BigInt(offset + directory.length), true);
    locator.setUint32(16, 1, true);
    tail.push(new Uint8Array(record.buffer), new Uint8Array(locator.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, zip64 ? 0xffff : entries.length, true);
  end.setUint16(10, zip64 ? 0xffff : entries.length, true);
  end.setUint32(12, zip64 ? 0xffffffff : directory.length, true);
  end.setUint32(16, zip64 ? 0xffffffff : offset, true);
  return concat([...locals, directory, ...tail, new Uint8Array(end.buffer)]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
