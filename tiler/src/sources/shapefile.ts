import { createReadStream } from 'node:fs';
import { open as openFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as shapefile from 'shapefile';
import { InputError } from '../errors.js';
import { type DbfEncoding, resolveDbfEncoding, UnsupportedEncodingError } from './codepage.js';
import {
  asInputError,
  type FeatureSource,
  fsProblem,
  type SourceFeature,
  type SourceInfo,
} from './source.js';

/**
 * ESRI Shapefile: shapes from the .shp, attributes from the .dbf (text decoded in the code page
 * the .cpg declares), CRS from the .prj. Records are streamed by the `shapefile` package, which
 * also sorts each shape's rings into polygons and holes by winding (outer rings clockwise, as
 * the format requires). Z and M values are not read: footprints are 2D.
 */

/** ESRI shape type codes → names (https://www.esri.com/content/dam/esrisites/sitecore-archive/Files/Pdfs/library/whitepapers/pdfs/shapefile.pdf). */
const SHAPE_TYPES: Record<number, string> = {
  0: 'Null',
  1: 'Point',
  3: 'PolyLine',
  5: 'Polygon',
  8: 'MultiPoint',
  11: 'PointZ',
  13: 'PolyLineZ',
  15: 'PolygonZ',
  18: 'MultiPointZ',
  21: 'PointM',
  23: 'PolyLineM',
  25: 'PolygonM',
  28: 'MultiPointM',
  31: 'MultiPatch',
};

const SHP_FILE_CODE = 9994;
const SHP_HEADER_BYTES = 100;
const DBF_HEADER_BYTES = 32;

export interface ShpHeader {
  shapeType: number;
  /** As the header declares it (bytes). */
  fileBytes: number;
}

/** Checks the 100-byte .shp header; `size` is the file's actual size. Throws a reason. */
export function parseShpHeader(head: Uint8Array, size: number): ShpHeader {
  if (size < SHP_HEADER_BYTES) {
    throw new Error(`is too short to be a Shapefile (${size} bytes; its header alone is 100)`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const code = view.getInt32(0, false);
  if (code !== SHP_FILE_CODE) {
    throw new Error(
      `is not a Shapefile .shp (wrong magic bytes: file code ${code}, expected ${SHP_FILE_CODE})`,
    );
  }
  const fileBytes = view.getInt32(24, false) * 2;
  if (size < fileBytes) {
    throw new Error(
      `is truncated: its header says ${fileBytes} bytes but the file has ${size} (was the copy cut short?)`,
    );
  }
  const shapeType = view.getInt32(32, true);
  if (!(shapeType in SHAPE_TYPES)) throw new Error(`has an unknown shape type (${shapeType})`);
  if (shapeType === 31) {
    throw new Error(
      'holds MultiPatch shapes (3D surfaces), which this reader cannot read; export footprint polygons',
    );
  }
  return { shapeType, fileBytes };
}

export interface DbfHeader {
  records: number;
  headerBytes: number;
  recordBytes: number;
  /** dBASE language driver id (byte 29); 0 = none. */
  ldid: number;
}

/** Checks the 32-byte .dbf header against the file's size. Throws a reason. */
export function parseDbfHeader(head: Uint8Array, size: number): DbfHeader {
  if (size < DBF_HEADER_BYTES) throw new Error(`is too short to be a dBASE file (${size} bytes)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const records = view.getUint32(4, true);
  const headerBytes = view.getUint16(8, true);
  const recordBytes = view.getUint16(10, true);
  // Version byte: dBASE III+ (0x03), with memo (0x83), dBASE IV/V (0x04, 0x05, 0x8B…): low bits 3..5.
  const version = view.getUint8(0) & 0x07;
  if (version < 3 || headerBytes < DBF_HEADER_BYTES + 1 || recordBytes < 1) {
    throw new Error('is not a dBASE (.dbf) file (its header makes no sense)');
  }
  const needed = headerBytes + records * recordBytes;
  if (size < needed) {
    throw new Error(
      `is truncated: its header says ${records} records (${needed} bytes) but the file has ${size} bytes`,
    );
  }
  return { records, headerBytes, recordBytes, ldid: view.getUint8(29) };
}

/** `x.shp` + `dbf` → the sibling that exists (`x.dbf` or `x.DBF`), or undefined. */
async function sibling(base: string, ext: string): Promise<string | undefined> {
  for (const candidate of [`${base}.${ext}`, `${base}.${ext.toUpperCase()}`]) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not there: try the next spelling
    }
  }
  return undefined;
}

async function readHead(file: string, bytes: number): Promise<{ head: Uint8Array; size: number }> {
  const handle = await openFile(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = new Uint8Array(Math.min(bytes, size));
    await handle.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await handle.close();
  }
}

/** The first quoted name in a WKT definition: `PROJCS["VN-2000 / …",` → `VN-2000 / …`. */
function wktName(wkt: string): string | undefined {
  return /^\s*[A-Z_0-9]+\s*\[\s*"([^"]*)"/i.exec(wkt)?.[1];
}

export async function openShapefile(
  file: string,
  options: { encoding?: string } = {},
  notes: string[] = [],
): Promise<FeatureSource> {
  const base = file.replace(/\.(shp|dbf|shx|prj|cpg)$/i, '');
  const shp = await sibling(base, 'shp');
  if (!shp) {
    const others = [];
    for (const ext of ['dbf', 'shx', 'prj']) {
      const found = await sibling(base, ext);
      if (found) others.push(path.basename(found));
    }
    const shpName = /\.shp$/i.test(file) ? file : `${base}.shp`;
    throw new InputError(
      shpName,
      others.length > 0
        ? `does not exist (found ${others.join(', ')}, but a Shapefile's shapes are in the .shp)`
        : 'does not exist',
    );
  }

  let shpHeader: ShpHeader;
  try {
    const { head, size } = await readHead(shp, SHP_HEADER_BYTES);
    shpHeader = parseShpHeader(head, size);
  } catch (error) {
    throw error instanceof Error && !(error as NodeJS.ErrnoException).code
      ? new InputError(shp, error.message)
      : new InputError(shp, fsProblem(error));
  }

  const dbf = await sibling(base, 'dbf');
  if (!dbf) {
    throw new InputError(
      shp,
      `has no .dbf beside it (expected ${path.basename(base)}.dbf): a Shapefile's attributes, such as heights and names, are in the .dbf — copy it next to the .shp`,
    );
  }
  let dbfHeader: DbfHeader;
  try {
    const { head, size } = await readHead(dbf, DBF_HEADER_BYTES);
    dbfHeader = parseDbfHeader(head, size);
  } catch (error) {
    throw error instanceof Error && !(error as NodeJS.ErrnoException).code
      ? new InputError(dbf, error.message)
      : new InputError(dbf, fsProblem(error));
  }

  if (dbfHeader.records === 0) throw new InputError(shp, 'contains no features (its .dbf has no records)');

  const shx = await sibling(base, 'shx');
  if (shx) {
    const shapes = Math.max(0, ((await stat(shx)).size - SHP_HEADER_BYTES) / 8);
    if (shapes !== dbfHeader.records) {
      throw new InputError(
        shp,
        `has ${shapes} shapes (per its .shx) but ${path.basename(dbf)} has ${dbfHeader.records} records: the files do not belong together, or one is damaged`,
      );
    }
  } else {
    notes.push(`${path.basename(base)}.shx is missing; not needed to read the shapes in order`);
  }

  const cpgFile = await sibling(base, 'cpg');
  const cpg = cpgFile ? await readFile(cpgFile, 'latin1') : undefined;
  let encoding: DbfEncoding;
  try {
    encoding = resolveDbfEncoding({
      ...(options.encoding !== undefined ? { option: options.encoding } : {}),
      ...(cpg !== undefined ? { cpg } : {}),
      ldid: dbfHeader.ldid,
    });
  } catch (error) {
    if (!(error instanceof UnsupportedEncodingError)) throw error;
    if (options.encoding !== undefined)
      throw new InputError(dbf, `encoding ${options.encoding}: ${error.message}`);
    throw new InputError(cpgFile ?? dbf, error.message);
  }
  if (encoding.note) notes.push(encoding.note);

  const prjFile = await sibling(base, 'prj');
  const wkt = prjFile ? (await readFile(prjFile, 'utf8')).trim() : '';
  if (!prjFile)
    notes.push(`${path.basename(base)}.prj is missing: the file does not say its coordinate system`);

  const shapeType = SHAPE_TYPES[shpHeader.shapeType]!;
  if (/[ZM]$/.test(shapeType)) notes.push(`${shapeType} shapes: Z and M values are not read`);

  const info: SourceInfo = {
    file: shp,
    format: 'shapefile',
    featureCount: dbfHeader.records,
    geometryType: shapeType,
    encoding: encoding.label,
    notes,
  };
  if (wkt) {
    const name = wktName(wkt);
    info.crs = name === undefined ? { wkt } : { wkt, name };
  }
  return {
    info,
    features: () => readShapefileFeatures(shp, dbf, dbfHeader.records, encoding),
    close: async () => {},
  };
}

/** A dBASE date as `YYYY-MM-DD` (the package makes a local-time Date; Invalid Date for blanks). */
function isoDate(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Attribute values as users expect them: dates as text, Vietnamese letters composed. */
function cleanProperties(
  raw: Record<string, unknown>,
  encoding: DbfEncoding,
  dbf: string,
  index: number,
): Record<string, unknown> {
  // Code page 1258 writes Vietnamese as base letter + combining tone mark; composing (NFC)
  // makes "Chợ" equal to the same name typed in UTF-8, so lookups and labels match.
  const compose = encoding.label === 'windows-1258';
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    let v = value;
    if (v instanceof Date) v = isoDate(v);
    else if (typeof v === 'string') {
      let text = v;
      // A lone replacement character at the very end is a multi-byte letter cut by the field
      // width (dBASE widths are bytes); anywhere else it means the bytes are not this encoding.
      if (encoding.label === 'utf-8' && text.endsWith('\ufffd')) text = text.slice(0, -1);
      if (encoding.guessed && (text.includes('\ufffd') || key.includes('\ufffd'))) {
        throw new InputError(
          dbf,
          `text in field "${key}" is not UTF-8, and the .dbf does not say which code page it uses (no .cpg); pass the encoding (Vietnamese Windows files: windows-1258) or add a .cpg file`,
          { index },
        );
      }
      v = compose ? text.normalize('NFC') : text;
    }
    out[compose ? key.normalize('NFC') : key] = v;
  }
  return out;
}

async function* readShapefileFeatures(
  shp: string,
  dbf: string,
  records: number,
  encoding: DbfEncoding,
): AsyncGenerator<SourceFeature> {
  let index = 0;
  let source: Awaited<ReturnType<typeof shapefile.open>> | undefined;
  try {
    source = await shapefile.open(createReadStream(shp), createReadStream(dbf), { encoding: encoding.label });
    for (;;) {
      let result: { done: boolean; value: { properties: unknown; geometry: unknown } };
      try {
        result = await source.read();
      } catch (error) {
        throw asInputError(error, shp, 'is damaged: a shape record cannot be read', { index });
      }
      if (result.done) break;
      const { properties, geometry } = result.value;
      if (properties === undefined) {
        throw new InputError(dbf, `has fewer records (${records}) than ${path.basename(shp)} has shapes`, {
          index,
        });
      }
      yield {
        type: 'Feature',
        properties: cleanProperties(properties as Record<string, unknown>, encoding, dbf, index),
        geometry: geometry as SourceFeature['geometry'],
      };
      index++;
    }
    if (index < records) {
      throw new InputError(
        shp,
        `ends after ${index} shapes, but ${path.basename(dbf)} has ${records} records`,
      );
    }
  } catch (error) {
    throw asInputError(error, shp, 'cannot be read as a Shapefile');
  } finally {
    await source?.cancel();
  }
}
