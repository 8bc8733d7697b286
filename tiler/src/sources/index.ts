import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { openFlatGeobuf } from './flatgeobuf.js';
import { openGeoJson } from './geojson.js';
import { openGeoJsonSeq } from './geojsonseq.js';
import { openGeoPackage } from './geopackage.js';
import { openShapefile } from './shapefile.js';
import { type FeatureSource, fsProblem, type OpenOptions, type SourceFormat } from './source.js';
import { openArchive, splitArchivePath } from './zip/open.js';

/**
 * Footprint sources: `openSource(file)` picks the reader by extension and by the file's first
 * bytes, and every reader offers the same streaming `FeatureSource` (see source.ts).
 *
 *   const source = await openSource('buildings.gpkg', { layer: 'nha' });
 *   console.log(source.info.crs, source.info.notes);
 *   for await (const feature of source.features()) { … }
 *
 * | format      | id               | CRS from                      | Z       | count in info |
 * | ----------- | ---------------- | ----------------------------- | ------- | ------------- |
 * | GeoJSON     | `id` member      | legacy `crs` name (+ EPSG)    | kept    | no            |
 * | GeoJSONSeq  | `id` member      | — (RFC 8142: lon/lat)         | kept    | no            |
 * | Shapefile   | none             | .prj WKT                      | dropped | .dbf header   |
 * | GeoPackage  | primary key      | gpkg_spatial_ref_sys WKT+EPSG | kept    | yes           |
 * | FlatGeobuf  | none             | header WKT / EPSG code        | kept    | if the header has it |
 *
 * A ZIP archive (`.zip`, or a file starting with a ZIP signature) is read through the one
 * dataset inside it — a Shapefile set counts as one — unpacked within limits to a temporary
 * folder that `close()` removes (zip/open.ts); `archive.zip!folder/roads.shp` names one dataset
 * of several. The source is then named that way in its info and in every message.
 *
 * Formats with no id of their own leave `id` undefined: the normaliser then uses the
 * properties (`id`, `@osmId`…) or `file#index`. Problems throw `InputError`, at open where
 * the header tells (empty, wrong magic, truncated header, missing .dbf), otherwise when the
 * bad feature is reached — after the features before it have been yielded.
 */

export type {
  FeatureSource,
  OpenOptions,
  SourceCrs,
  SourceFeature,
  SourceFormat,
  SourceInfo,
} from './source.js';
export {
  formatBytes,
  UNZIP_LIMITS,
  type UnzipLimits,
  type UnzipOptions,
  unzipFlags,
} from './zip/limits.js';
export { splitArchivePath } from './zip/open.js';

const EXTENSIONS: Record<string, SourceFormat | 'zip'> = {
  '.geojson': 'geojson',
  '.json': 'geojson',
  '.geojsonl': 'geojsonseq',
  '.geojsons': 'geojsonseq',
  '.geojsonseq': 'geojsonseq',
  '.ndjson': 'geojsonseq',
  '.jsonl': 'geojsonseq',
  '.jsonseq': 'geojsonseq',
  '.shp': 'shapefile',
  '.dbf': 'shapefile',
  '.shx': 'shapefile',
  '.gpkg': 'geopackage',
  '.fgb': 'flatgeobuf',
  '.zip': 'zip',
};

const FORMAT_NAMES: Record<SourceFormat, string> = {
  geojson: 'GeoJSON',
  geojsonseq: 'GeoJSONSeq (newline-delimited GeoJSON)',
  shapefile: 'a Shapefile',
  geopackage: 'a GeoPackage',
  flatgeobuf: 'FlatGeobuf',
};

const SUPPORTED =
  'GeoJSON (.geojson, .json), GeoJSONSeq (.geojsonl, .geojsons, .ndjson, .jsonl), Shapefile (.shp), GeoPackage (.gpkg) or FlatGeobuf (.fgb), or a ZIP archive (.zip) holding one of them';

/** Bytes read from the start of a file to recognise its format. */
export const SNIFF_BYTES = 64 * 1024;

type Magic = 'geopackage' | 'flatgeobuf' | 'shapefile' | 'zip' | 'json' | 'jsonseq' | undefined;

/** What the first bytes say the file is. */
function sniff(head: Uint8Array): Magic {
  const ascii = (s: string) => [...s].every((c, i) => head[i] === c.charCodeAt(0));
  if (ascii('SQLite format 3\0')) return 'geopackage';
  if (ascii('fgb') && head[3] === 3) return 'flatgeobuf';
  if (ascii('PK\x03\x04') || ascii('PK\x05\x06')) return 'zip';
  if (head.length >= 4 && new DataView(head.buffer, head.byteOffset, 4).getInt32(0, false) === 9994) {
    return 'shapefile';
  }
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  if (head[i] === 0x1e) return 'jsonseq';
  if (head[i] === 0x7b || head[i] === 0x5b) return 'json'; // { [
  return undefined;
}

/** A FeatureCollection's opening, possibly after a BOM and white space. */
const FEATURE_COLLECTION_START = /^\uFEFF?\s*\{\s*"type"\s*:\s*"FeatureCollection"/;

/** True if the head looks like one Feature per line (a complete first line, then another `{`). */
function looksLikeSequence(text: string): boolean {
  const firstBreak = text.indexOf('\n');
  if (firstBreak < 0) return false;
  const rest = text.slice(firstBreak + 1).trimStart();
  if (!rest.startsWith('{')) return false;
  try {
    const first = JSON.parse(text.slice(0, firstBreak).replace(/^\uFEFF/, ''));
    return first !== null && typeof first === 'object' && first.type === 'Feature';
  } catch {
    return false;
  }
}

/**
 * The format of `file` from its extension and its first bytes (`head`, up to SNIFF_BYTES):
 * one of the readers' formats, or `zip` for an archive to look inside. Content wins over a
 * misleading extension (with a note); a binary extension whose magic bytes are wrong is an error
 * here, where the message can say what the file looks like instead.
 */
export function detectFormat(file: string, head: Uint8Array, notes: string[] = []): SourceFormat | 'zip' {
  if (head.length === 0) throw new InputError(file, 'is empty (0 bytes)');
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new InputError(file, 'is UTF-16 text (it starts with a UTF-16 byte order mark): save it as UTF-8');
  }
  const ext = path.extname(file).toLowerCase();
  let byExt = EXTENSIONS[ext];
  const magic = sniff(head);
  if (magic === 'zip') {
    if (byExt !== 'zip')
      notes.push(`named ${ext || 'without an extension'} but is a ZIP archive: read as such`);
    return 'zip';
  }
  if (byExt === 'zip') {
    if (magic === undefined) {
      throw new InputError(
        file,
        'is named .zip but is not a ZIP archive (it does not start with a ZIP signature): the download may be incomplete, or an error page saved under that name',
      );
    }
    notes.push('named .zip but is not a ZIP archive: read by its content');
    byExt = undefined;
  }
  if (magic === 'geopackage' || magic === 'flatgeobuf' || magic === 'shapefile') {
    // A .dbf/.shx given for its Shapefile: the reader finds the .shp beside it.
    if (byExt === 'shapefile') return 'shapefile';
    if (byExt !== undefined && byExt !== magic) {
      notes.push(`named ${ext} but is ${FORMAT_NAMES[magic]}: read as such`);
    }
    return magic;
  }
  if (byExt === 'shapefile') return 'shapefile'; // the reader's header check says what is wrong
  if (byExt === 'geopackage' || byExt === 'flatgeobuf') {
    const looks = magic === 'json' || magic === 'jsonseq' ? '; it looks like JSON text' : '';
    throw new InputError(
      file,
      byExt === 'geopackage'
        ? `is not a GeoPackage (wrong magic bytes: not an SQLite database${looks})`
        : `is not a FlatGeobuf file (wrong magic bytes${looks})`,
    );
  }
  if (magic === 'jsonseq') return 'geojsonseq';
  const text = new TextDecoder().decode(head);
  if (magic === 'json') {
    if (byExt === 'geojsonseq') {
      if (FEATURE_COLLECTION_START.test(text)) {
        notes.push(`named ${ext} but holds one GeoJSON FeatureCollection: read as GeoJSON`);
        return 'geojson';
      }
      return 'geojsonseq';
    }
    if (looksLikeSequence(text)) {
      if (byExt !== undefined)
        notes.push(`named ${ext} but holds one GeoJSON Feature per line: read as GeoJSONSeq`);
      return 'geojsonseq';
    }
    return 'geojson';
  }
  // Not JSON-looking; a JSON extension still goes to its reader, whose message says why.
  if (byExt === 'geojson' || byExt === 'geojsonseq') return byExt;
  throw new InputError(file, `is in a format this tiler does not recognise; it reads ${SUPPORTED}`);
}

/** Opens a footprint file of any supported format, or the dataset in a ZIP archive; see FeatureSource. */
export async function openSource(file: string, options: OpenOptions = {}): Promise<FeatureSource> {
  return openFile(file, options, false);
}

/** A file given by the user, or (`inArchive`) one just unpacked from an archive. */
async function openFile(file: string, options: OpenOptions, inArchive: boolean): Promise<FeatureSource> {
  const openUnpacked = (unpacked: string, o: OpenOptions) => openFile(unpacked, o, true);
  let head: Uint8Array;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new InputError(file, 'is a folder, not a file');
    const handle = await open(file, 'r');
    try {
      const buffer = new Uint8Array(Math.min(SNIFF_BYTES, info.size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    // `archive.zip!folder/roads.shp` (no file has that very name): a dataset inside an archive.
    const inside = inArchive ? undefined : splitArchivePath(file);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && inside) {
      return openArchive(inside.archive, inside.entry, options, openUnpacked);
    }
    // A missing x.shp: the Shapefile reader says which of its siblings exist.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && /\.shp$/i.test(file)) {
      return openShapefile(file, options);
    }
    throw new InputError(file, fsProblem(error));
  }
  const notes: string[] = [];
  const format = options.format ?? detectFormat(file, head, notes);
  if (format === 'zip') {
    if (inArchive) {
      throw new InputError(
        file,
        'is itself a ZIP archive: archives inside archives are not opened (refused, not unpacked); unzip the outer archive yourself and pass the inner one',
      );
    }
    return openArchive(file, undefined, options, openUnpacked, notes);
  }
  if (options.layer !== undefined && format !== 'geopackage') {
    notes.push(`the layer option applies to GeoPackages only; ignored for ${FORMAT_NAMES[format]}`);
  }
  if (options.encoding !== undefined && format !== 'shapefile') {
    notes.push(
      `the encoding option applies to Shapefiles only (${FORMAT_NAMES[format]} text is UTF-8); ignored`,
    );
  }
  switch (format) {
    case 'geojson':
      return openGeoJson(file, notes);
    case 'geojsonseq':
      return openGeoJsonSeq(file, notes);
    case 'shapefile':
      return openShapefile(file, options, notes);
    case 'geopackage':
      return openGeoPackage(file, options, notes);
    case 'flatgeobuf':
      return openFlatGeobuf(file, notes);
  }
}
