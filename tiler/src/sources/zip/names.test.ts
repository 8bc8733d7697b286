import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeCp437, decodeEntryName, FLAG_UTF8, unsafeNameReason } from './names.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('decodeEntryName', () => {
  it('reads UTF-8-flagged names as UTF-8, every Vietnamese letter intact', () => {
    const name = 'Dữ liệu/Nhà ở Phường Phú Cường — ẮẰẲẴẶ ỨỪỬỮỰ đĐ.shp';
    expect(decodeEntryName(utf8(name), FLAG_UTF8, new Uint8Array(0))).toBe(name);
  });

  it('reads unflagged names as CP437 (the ZIP default), as Windows tools wrote them', () => {
    // "Café" as DOS wrote it: é is 0x82 in CP437; not valid UTF-8.
    const raw = new Uint8Array([0x43, 0x61, 0x66, 0x82, 0x2e, 0x73, 0x68, 0x70]);
    expect(decodeEntryName(raw, 0, new Uint8Array(0))).toBe('Café.shp');
    expect(decodeCp437(new Uint8Array([0x80, 0x9b, 0xe1, 0xfe, 0xff]))).toBe('Ç¢ß■\u00a0');
    // The table covers every high byte with one character each.
    const all = decodeCp437(Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i));
    expect([...all]).toHaveLength(128);
    expect(all).not.toContain('undefined');
  });

  it('reads unflagged names that are valid UTF-8 as UTF-8 (Linux and macOS zip tools)', () => {
    expect(decodeEntryName(utf8('Nhà.shp'), 0, new Uint8Array(0))).toBe('Nhà.shp');
  });

  it("prefers Info-ZIP's Unicode Path field when it matches the legacy name", () => {
    const legacy = new Uint8Array([0x4e, 0x68, 0x3f, 0x2e, 0x73, 0x68, 0x70]); // "Nh?.shp"
    const unicode = utf8('Nhà.shp');
    const field = new Uint8Array(4 + 5 + unicode.length);
    const view = new DataView(field.buffer);
    view.setUint16(0, 0x7075, true);
    view.setUint16(2, 5 + unicode.length, true);
    field[4] = 1;
    view.setUint32(5, crc32(legacy), true);
    field.set(unicode, 9);
    expect(decodeEntryName(legacy, 0, field)).toBe('Nhà.shp');
    // A field for another name (CRC mismatch) is ignored.
    view.setUint32(5, 0, true);
    expect(decodeEntryName(legacy, 0, field)).toBe('Nh?.shp');
  });
});

describe('unsafeNameReason (zip slip)', () => {
  it.each([
    ['../../etc/cron.d/x', /".." step/],
    ['data/../../x.shp', /".." step/],
    ['..\\..\\Windows\\x.dll', /".." step/],
    ['/etc/passwd', /absolute path/],
    ['\\\\server\\share\\x', /absolute path/],
    ['C:/Windows/x.dll', /drive letter/],
    ['c:x.shp', /drive letter/],
    ['a\u0000.shp', /control characters/],
  ])('refuses %j', (name, reason) => {
    expect(unsafeNameReason(name)).toMatch(reason);
  });

  it.each(['roads.shp', 'Dữ liệu/Nhà ở.shp', 'a/b/c..d.shp', './x.shp', 'folder\\roads.shp', '..foo/x'])(
    'accepts %j',
    (name) => {
      expect(unsafeNameReason(name)).toBeUndefined();
    },
  );
});
