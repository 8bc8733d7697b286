/**
 * Which text encoding a Shapefile's .dbf uses: the user's choice, else the .cpg file, else the
 * dBASE "language driver" byte, else UTF-8 (what GDAL writes by default). Results are WHATWG
 * encoding labels, what TextDecoder (and so the `shapefile` package) understands.
 */

export interface DbfEncoding {
  /** A WHATWG encoding name, e.g. `utf-8`, `windows-1258`. */
  label: string;
  /** Where it came from, for notes and error messages. */
  from: 'option' | 'cpg' | 'ldid' | 'default';
  /** True when nothing in the files said so: bytes that are not UTF-8 should then be refused. */
  guessed: boolean;
  /** For the user, when the choice is a guess worth checking. */
  note?: string;
}

/** Code pages with no WHATWG decoder: named so the refusal can say what the file needs. */
const UNSUPPORTED: Record<string, string> = {
  TCVN3: 'TCVN3 (TCVN 5712, the ".Vn" fonts)',
  VN3: 'TCVN3 (TCVN 5712, the ".Vn" fonts)',
  TCVN: 'TCVN3 (TCVN 5712, the ".Vn" fonts)',
  TCVN5712: 'TCVN3 (TCVN 5712, the ".Vn" fonts)',
  VISCII: 'VISCII',
  VNI: 'VNI',
};

/** Windows/DOS code page number → WHATWG label, for those TextDecoder can decode. */
const CODE_PAGES: Record<number, string> = {
  65001: 'utf-8',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1252: 'windows-1252',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  874: 'windows-874',
  866: 'ibm866',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  10000: 'macintosh',
  10007: 'x-mac-cyrillic',
  20866: 'koi8-r',
  21866: 'koi8-u',
  28591: 'iso-8859-1',
  28592: 'iso-8859-2',
  28595: 'iso-8859-5',
  28597: 'iso-8859-7',
  28605: 'iso-8859-15',
};

/**
 * dBASE language driver IDs (.dbf byte 29) → Windows code page, as GDAL's Shapefile driver maps
 * them (after the table at http://www.autopark.ru/ASBProgrammerGuide/DBFSTRUC.HTM). 0 = none.
 * There is no id for the Vietnamese code page 1258: Vietnamese files need a .cpg.
 */
const LDID_CODE_PAGES: Record<number, number> = {
  1: 437,
  2: 850,
  3: 1252,
  4: 10000,
  8: 865,
  10: 850,
  11: 437,
  13: 437,
  14: 850,
  15: 437,
  16: 850,
  17: 437,
  18: 850,
  19: 932,
  20: 850,
  21: 437,
  22: 850,
  23: 865,
  24: 437,
  25: 437,
  26: 850,
  27: 437,
  28: 863,
  29: 850,
  31: 852,
  34: 852,
  35: 852,
  36: 860,
  37: 850,
  38: 866,
  55: 850,
  64: 852,
  77: 936,
  78: 949,
  79: 950,
  80: 874,
  87: 28591, // "ANSI": GDAL reads it as ISO-8859-1
  88: 1252,
  89: 1252,
  100: 852,
  101: 866,
  102: 865,
  103: 861,
  104: 895,
  105: 620,
  106: 737,
  107: 857,
  108: 863,
  120: 950,
  121: 949,
  122: 936,
  123: 932,
  124: 874,
  134: 737,
  135: 852,
  136: 857,
  150: 10007,
  151: 10029,
  200: 1250,
  201: 1251,
  202: 1254,
  203: 1253,
  204: 1257,
};

/** Thrown for an encoding that is declared but cannot be decoded; the caller names the file. */
export class UnsupportedEncodingError extends Error {}

/** The WHATWG name TextDecoder uses for `label` (e.g. iso-8859-1 → windows-1252), if it knows it. */
function supported(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/**
 * A code page as written in a .cpg or by a user (`UTF-8`, `65001`, `1258`, `CP1258`,
 * `ANSI 1258`, `windows-1258`, `88591`, `ISO-8859-1`…) → WHATWG label.
 */
export function codePageLabel(text: string): string {
  const value = text.trim();
  const upper = value.toUpperCase().replace(/[\s_-]/g, '');
  if (UNSUPPORTED[upper]) {
    throw new UnsupportedEncodingError(
      `${UNSUPPORTED[upper]} text cannot be decoded here; convert the .dbf to UTF-8 or windows-1258 first (e.g. with a TCVN3→Unicode converter such as UniKey's, then save with a .cpg)`,
    );
  }
  if (upper === 'UTF8' || upper === '65001') return 'utf-8';
  // ESRI writes ISO 8859 parts as 8859N (e.g. 88591); GDAL accepts the same.
  const iso = /^(?:ISO)?8859(\d{1,2})$/.exec(upper);
  if (iso) {
    const label = supported(`iso-8859-${iso[1]}`);
    if (label) return label;
  }
  const number = /^(?:CP|WINDOWS|ANSI|IBM|OEM|DOS|MS)?(\d{3,5})$/.exec(upper);
  if (number) {
    const cp = Number(number[1]);
    const label = CODE_PAGES[cp];
    if (label) return supported(label) ?? label;
    throw new UnsupportedEncodingError(
      `code page ${cp} cannot be decoded here; convert the .dbf to UTF-8 first`,
    );
  }
  const label = supported(value);
  if (label) return label;
  throw new UnsupportedEncodingError(`"${value}" is not an encoding this reader knows`);
}

/**
 * The .dbf's encoding. `cpg` is the .cpg file's text (undefined if there is none), `ldid`
 * the .dbf header's byte 29. Throws UnsupportedEncodingError for a declared but undecodable one.
 */
export function resolveDbfEncoding(options: { option?: string; cpg?: string; ldid: number }): DbfEncoding {
  if (options.option !== undefined) {
    return { label: codePageLabel(options.option), from: 'option', guessed: false };
  }
  if (options.cpg !== undefined && options.cpg.trim() !== '') {
    return { label: codePageLabel(options.cpg), from: 'cpg', guessed: false };
  }
  const cp = LDID_CODE_PAGES[options.ldid];
  if (cp !== undefined) {
    const label = CODE_PAGES[cp] && supported(CODE_PAGES[cp]);
    if (!label) {
      throw new UnsupportedEncodingError(
        `its language driver byte (${options.ldid}) says DOS code page ${cp}, which cannot be decoded here; pass the encoding, or convert the .dbf to UTF-8`,
      );
    }
    if (options.ldid === 87) {
      // 87 means "the writer's Windows ANSI code page", which on a Vietnamese Windows is 1258.
      return {
        label,
        from: 'ldid',
        guessed: false,
        note: 'the .dbf has no .cpg and its language driver says only "ANSI": text read as windows-1252 (as GDAL does); if names look wrong, pass the encoding (Vietnamese Windows: windows-1258)',
      };
    }
    return { label, from: 'ldid', guessed: false };
  }
  return {
    label: 'utf-8',
    from: 'default',
    guessed: true,
    note: 'the .dbf declares no encoding (no .cpg, no language driver): text read as UTF-8',
  };
}
