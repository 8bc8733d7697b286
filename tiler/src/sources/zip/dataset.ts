import { InputError } from '../../errors.js';
import type { ZipEntry } from './directory.js';
import { normaliseEntryName } from './names.js';

/**
 * Which dataset of an archive to read: exactly one must be found, or named. A Shapefile set (the
 * .shp with the .dbf, .shx, .prj and .cpg of the same name in the same folder) is one dataset;
 * so is each GeoPackage, FlatGeobuf and GeoJSON(Seq) file. The operating-system clutter zip
 * tools add (`__MACOSX/`, `._x` AppleDouble files, `.DS_Store`, `Thumbs.db`) is not data.
 * Pure: works on the vetted directory alone.
 */

export interface Dataset {
  /** The entry the reader opens (the .shp of a Shapefile set). */
  main: ZipEntry;
  /** Every entry to unpack, `main` first. */
  members: ZipEntry[];
  /** `Shapefile`, `GeoPackage`…, for messages. */
  kind: string;
}

/** Dataset extensions → what they are (as `openSource` reads them). */
const DATASET_KINDS: Record<string, string> = {
  '.shp': 'Shapefile',
  '.gpkg': 'GeoPackage',
  '.fgb': 'FlatGeobuf',
  '.geojson': 'GeoJSON',
  '.json': 'GeoJSON',
  '.geojsonl': 'GeoJSONSeq',
  '.geojsons': 'GeoJSONSeq',
  '.geojsonseq': 'GeoJSONSeq',
  '.ndjson': 'GeoJSONSeq',
  '.jsonl': 'GeoJSONSeq',
  '.jsonseq': 'GeoJSONSeq',
};

/** A Shapefile's companions, unpacked with its .shp (a .shp.xml, .sbn, .qix… are not read). */
const SHAPEFILE_PARTS = ['.dbf', '.shx', '.prj', '.cpg'];

/** Archives (and compressed files) inside an archive: never opened, see pickDataset. */
const ARCHIVE_EXTENSIONS = /\.(zip|kmz|7z|rar|tar|tgz|tbz2?|txz|gz|bz2|xz|zst|lz4|cab|jar)$/i;

/** `duong.shp` for `roads/duong.shp`. */
export const entryBaseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);
/** The folder part of an entry name: `roads/` for `roads/duong.shp`, '' at the top. */
export const entryFolder = (name: string) => name.slice(0, name.lastIndexOf('/') + 1);
/** `.shp` for `roads/duong.SHP` (lower case); '' without one. */
export const entryExtension = (name: string) => {
  const base = entryBaseName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
};
const stem = (name: string) => name.slice(0, name.length - entryExtension(name).length);

function isClutter(name: string): boolean {
  const base = entryBaseName(name);
  return (
    name.startsWith('__MACOSX/') ||
    base.startsWith('._') ||
    base === '.DS_Store' ||
    base.toLowerCase() === 'thumbs.db' ||
    base.toLowerCase() === 'desktop.ini'
  );
}

/** Every dataset in the archive, in archive order. */
export function listDatasets(entries: readonly ZipEntry[]): Dataset[] {
  const files = entries.filter((e) => !e.isDirectory && !isClutter(e.name));
  const datasets: Dataset[] = [];
  for (const entry of files) {
    const kind = DATASET_KINDS[entryExtension(entry.name)];
    if (!kind) continue;
    const members = [entry];
    if (kind === 'Shapefile') {
      const own = stem(entry.name).toLowerCase();
      for (const ext of SHAPEFILE_PARTS) {
        const part = files.find((f) => f.name.toLowerCase() === own + ext);
        if (part) members.push(part);
      }
    }
    datasets.push({ main: entry, members, kind });
  }
  return datasets;
}

/** How datasets are listed in messages: `roads/duong.shp (Shapefile)`. */
const describe = (datasets: readonly Dataset[]) => {
  const shown = datasets.slice(0, 20).map((d) => `${d.main.name} (${d.kind})`);
  if (datasets.length > shown.length) shown.push(`… ${datasets.length - shown.length} more`);
  return shown.join(', ');
};

/**
 * The dataset to read: the one named by `selector` (an entry's path inside the archive, or a
 * folder holding exactly one dataset; a Shapefile part selects its set), else the archive's only
 * dataset. Refuses nested archives (an archive inside an archive is the classic zip-bomb layout,
 * and opening one archive is what was asked), and explains what to do when there is no dataset
 * or several.
 */
export function pickDataset(archive: string, entries: readonly ZipEntry[], selector?: string): Dataset {
  const fail = (reason: string): never => {
    throw new InputError(archive, reason);
  };
  const nested = entries.find((e) => !e.isDirectory && !isClutter(e.name) && ARCHIVE_EXTENSIONS.test(e.name));
  if (nested) {
    fail(
      `entry ${JSON.stringify(nested.name)} is an archive inside the archive: nested archives are not opened (refused, not unpacked); unzip the outer archive yourself and pass the inner one`,
    );
  }
  const datasets = listDatasets(entries);
  const howToChoose = `name one after the archive, e.g. "${archive}!${datasets[0]?.main.name ?? 'folder/roads.shp'}"`;

  if (selector !== undefined) {
    const wanted = normaliseEntryName(selector).replace(/\/+$/, '');
    const pick = (match: (name: string) => boolean) =>
      datasets.filter((d) => d.members.some((m) => match(m.name)));
    let chosen = pick((n) => n === wanted);
    if (chosen.length === 0) chosen = pick((n) => n.toLowerCase() === wanted.toLowerCase());
    if (chosen.length === 0 && wanted) chosen = datasets.filter((d) => d.main.name.startsWith(`${wanted}/`));
    if (chosen.length === 0 && !wanted) chosen = datasets;
    if (chosen.length === 1) return chosen[0]!;
    if (chosen.length === 0) {
      fail(
        `has no dataset named ${JSON.stringify(selector)}${datasets.length ? `; it holds ${describe(datasets)}` : ''}`,
      );
    }
    fail(
      `has ${chosen.length} datasets under ${JSON.stringify(selector)}: ${describe(chosen)}; ${howToChoose}`,
    );
  }
  if (datasets.length === 1) return datasets[0]!;
  if (datasets.length === 0) {
    const files = entries.filter((e) => !e.isDirectory && !isClutter(e.name)).map((e) => e.name);
    const shown = files.slice(0, 20).join(', ') + (files.length > 20 ? `, … ${files.length - 20} more` : '');
    fail(
      files.length === 0
        ? 'holds no files'
        : `holds no dataset this tiler reads (a .shp with its .dbf, .gpkg, .fgb, .geojson or .geojsonl); it holds ${shown}`,
    );
  }
  return fail(`holds ${datasets.length} datasets: ${describe(datasets)}; read one at a time: ${howToChoose}`);
}
