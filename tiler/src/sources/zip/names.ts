import { crc32 } from 'node:zlib';

/**
 * Entry names: decoded to text, then checked so that no name can leave the folder it is
 * unpacked into ("zip slip"). Names are only ever used to choose and to report entries — files
 * are written under names of our own making (open.ts) — so the checks are a second line.
 */

/** IBM code page 437, bytes 0x80–0xFF: the encoding ZIP names have without the UTF-8 flag. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return out;
}

/** General purpose flag bit 11 (APPNOTE 4.4.4): name and comment are UTF-8. */
export const FLAG_UTF8 = 0x0800;
/** Info-ZIP Unicode Path extra field (APPNOTE 4.6.9): a UTF-8 name beside a legacy one. */
const UNICODE_PATH_FIELD = 0x7075;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The entry's name as text. With the UTF-8 flag: UTF-8 (what every current tool writes for a
 * name like `Nhà ở.shp`). Without it: the Info-ZIP Unicode Path field if present and matching;
 * else, if the bytes are valid UTF-8, UTF-8 (Linux and macOS tools write UTF-8 without setting the
 * flag; CP437 text of accented letters is almost never valid UTF-8); else CP437, as the format
 * specifies. A name written in another legacy code page (e.g. Windows' Vietnamese 1258) comes out
 * as CP437 look-alikes: still unique, so it can be listed and chosen, just not pretty.
 */
export function decodeEntryName(raw: Uint8Array, flags: number, extra: Uint8Array): string {
  if (flags & FLAG_UTF8) return new TextDecoder('utf-8').decode(raw);
  const unicode = extraField(extra, UNICODE_PATH_FIELD);
  if (unicode && unicode.length > 5 && unicode[0] === 1) {
    const view = new DataView(unicode.buffer, unicode.byteOffset, unicode.byteLength);
    if (view.getUint32(1, true) === crc32(raw) >>> 0) {
      try {
        return utf8.decode(unicode.subarray(5));
      } catch {
        // a broken field: fall back to the header's name
      }
    }
  }
  if (raw.every((b) => b < 0x80)) return String.fromCharCode(...raw);
  try {
    return utf8.decode(raw);
  } catch {
    return decodeCp437(raw);
  }
}

/** The data of extra field `id` (APPNOTE 4.5: id u16, size u16, data), if present. */
export function extraField(extra: Uint8Array, id: number): Uint8Array | undefined {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let p = 0; p + 4 <= extra.length; ) {
    const size = view.getUint16(p + 2, true);
    if (view.getUint16(p, true) === id) return extra.subarray(p + 4, Math.min(extra.length, p + 4 + size));
    p += 4 + size;
  }
  return undefined;
}

/**
 * Why `name` may not be unpacked (undefined: it is safe). Backslashes are read as separators, as
 * old Windows tools wrote them, so `..\..\x` is caught like `../../x`.
 */
export function unsafeNameReason(name: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'has control characters in its name';
  const path = name.replaceAll('\\', '/');
  if (path.startsWith('/')) return 'has an absolute path';
  if (/^[a-z]:/i.test(path)) return 'starts with a drive letter';
  if (path.split('/').includes('..'))
    return 'has a ".." step that leads out of the folder it is unpacked into';
  return undefined;
}

/** The name with `/` separators and no leading `./`: how entries are compared and shown. */
export function normaliseEntryName(name: string): string {
  return name.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}
