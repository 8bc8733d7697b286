/**
 * What a ZIP archive may cost before it is refused. A ZIP's headers say how big each entry is,
 * but nothing makes them tell the truth, so every limit here is enforced on the bytes actually
 * inflated, as they stream, before they are written: a bomb is stopped after one 16 KiB read,
 * having written nothing. The headers' own claims are checked too, where that refuses earlier.
 * docs/reliability.md ("Hostile input") lists the limits with these reasons.
 */

export interface UnzipLimits {
  /**
   * Bytes the dataset may inflate to, all its entries together (`--max-unzipped`). Default
   * 4 GiB: a province's footprints (1M buildings) are ~0.5 GB as a Shapefile set, so this is
   * ~8× headroom, while capping what a hostile archive can put in the temporary folder.
   */
  maxBytes: number;
  /**
   * Inflated ÷ compressed bytes above which an entry is refused (`--max-zip-ratio`), once it has
   * inflated `ratioAfterBytes`. Default 500: DEFLATE tops out at 1,032:1, which is where bombs
   * (runs of one byte) sit; the most compressible real data measured, a .dbf whose records are
   * mostly blank 254-character text fields (an ArcGIS export with 20–50 empty columns), plateaus
   * at ~330:1 (zlib level 6–9), ordinary .shp/.dbf/.gpkg/GeoJSON at 2–10:1.
   */
  maxRatio: number;
  /**
   * The ratio is judged only after this many inflated bytes of an entry (default 8 MiB): small
   * highly compressible files (a .prj, a nearly empty .dbf) are harmless whatever their ratio,
   * and 8 MiB is a few milliseconds of inflating.
   */
  ratioAfterBytes: number;
  /**
   * Entries the archive may hold (default 10,000): a delivery is a few datasets of up to ~10
   * files each; the central directory of 10,000 entries is < 4 MB to read, while millions of
   * entries are a known way to exhaust memory and time before a byte is inflated.
   */
  maxEntries: number;
}

export const UNZIP_LIMITS: Readonly<UnzipLimits> = {
  maxBytes: 4 * 2 ** 30,
  maxRatio: 500,
  ratioAfterBytes: 8 * 2 ** 20,
  maxEntries: 10_000,
};

/**
 * The central directory is read whole (to check every entry before inflating any): bounded so a
 * lying end record cannot make us allocate gigabytes. 32 MiB is 10,000 entries of >3 KB each,
 * far more than names and extra fields need (a real entry is ~100 bytes).
 */
export const MAX_DIRECTORY_BYTES = 32 * 2 ** 20;

/** Compressed bytes read and inflated at a time: at most ~16.5 MB of output per step (1,032:1). */
export const INFLATE_CHUNK_BYTES = 16 * 1024;

/** Options for reading archives: limits (defaults UNZIP_LIMITS) and where to unpack. */
export interface UnzipOptions extends Partial<UnzipLimits> {
  /**
   * Folder in which a private temporary folder is made for the unpacked dataset and removed
   * afterwards. Default: the system's (`os.tmpdir()`, i.e. `$TMPDIR`, else /tmp).
   */
  tempDir?: string;
}

export function unzipLimits(options: UnzipOptions | undefined): UnzipLimits {
  return {
    maxBytes: options?.maxBytes ?? UNZIP_LIMITS.maxBytes,
    maxRatio: options?.maxRatio ?? UNZIP_LIMITS.maxRatio,
    ratioAfterBytes: options?.ratioAfterBytes ?? UNZIP_LIMITS.ratioAfterBytes,
    maxEntries: options?.maxEntries ?? UNZIP_LIMITS.maxEntries,
  };
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * `4GiB`, `4G`, `500MB`, `500m`, `1048576` → bytes (binary multiples, as `du -h` shows them);
 * a message (string) when it is not a size.
 */
export function parseByteSize(text: string, option: string): number | string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const bytes = m ? Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : Number.NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) {
    return `--${option} must be a size such as 4GiB, 500MB or a number of bytes, got "${text}"`;
  }
  return bytes;
}

/** `4 GiB`, `8.0 MiB`, `512 B`: sizes in messages, as the options take them. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/** `--max-unzipped` and `--max-zip-ratio` as given on a command line → options, or a message. */
export function unzipFlags(maxUnzipped: unknown, maxRatio: unknown): UnzipOptions | string {
  const options: UnzipOptions = {};
  if (typeof maxUnzipped === 'string') {
    const bytes = parseByteSize(maxUnzipped, 'max-unzipped');
    if (typeof bytes === 'string') return bytes;
    options.maxBytes = bytes;
  }
  if (typeof maxRatio === 'string') {
    const ratio = Number(maxRatio);
    if (!(ratio >= 1))
      return `--max-zip-ratio must be a number ≥ 1 (inflated ÷ compressed), got "${maxRatio}"`;
    options.maxRatio = ratio;
  }
  return options;
}
