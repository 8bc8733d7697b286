import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import { asInputError, describeJsonValue, type FeatureSource, type SourceFeature } from './source.js';

/**
 * Newline-delimited GeoJSON (GeoJSONSeq, "GeoJSONL", ndjson): one Feature per line, read line
 * by line so memory is bounded by the longest line. Also RFC 8142 JSON text sequences, where
 * each record starts with an ASCII record separator (0x1E) and may span several lines.
 * Blank lines are ignored. Errors name the line (1-based) and the feature (0-based).
 */

const RS = '\u001e';

interface SeqRecord {
  text: string;
  line: number;
}

/** Groups lines into records: one per non-blank line, or one per RS-started run of lines. */
export async function* geoJsonSeqRecords(lines: AsyncIterable<string>): AsyncGenerator<SeqRecord> {
  let lineNo = 0;
  let pending: SeqRecord | undefined;
  let rsMode = false;
  for await (let line of lines) {
    lineNo++;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.startsWith(RS)) {
      rsMode = true;
      if (pending && pending.text.trim() !== '') yield pending;
      // Several RS in a row are empty records, which RFC 8142 parsers skip.
      let start = 0;
      while (line.startsWith(RS, start)) start++;
      pending = { text: line.slice(start), line: lineNo };
    } else if (rsMode && pending) {
      pending.text += `\n${line}`;
    } else if (line.trim() !== '') {
      yield { text: line, line: lineNo };
    }
  }
  if (pending && pending.text.trim() !== '') yield pending;
}

/** One record → a feature, or an InputError naming the line and feature. */
export function parseSeqRecord(record: SeqRecord, file: string, index: number): SourceFeature {
  let value: unknown;
  try {
    value = JSON.parse(record.text);
  } catch (error) {
    throw new InputError(file, `line ${record.line} is not valid JSON (${(error as Error).message})`, {
      index,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(
      file,
      `line ${record.line} is not a GeoJSON Feature object (found ${describeJsonValue(value)})`,
      { index },
    );
  }
  if ((value as { type?: unknown }).type === 'FeatureCollection') {
    throw new InputError(
      file,
      `line ${record.line} holds a whole FeatureCollection; a GeoJSON sequence has one Feature per line (name the file .geojson to read it as one collection)`,
      { index },
    );
  }
  // Passed on as parsed; the normaliser checks type and geometry (see geojson.ts).
  return value as SourceFeature;
}

export async function* readGeoJsonSeqFeatures(file: string): AsyncGenerator<SourceFeature> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let index = 0;
  try {
    for await (const record of geoJsonSeqRecords(lines)) {
      yield parseSeqRecord(record, file, index);
      index++;
    }
    if (index === 0) throw new InputError(file, 'contains no features (no non-blank lines)');
  } catch (error) {
    throw asInputError(error, file, 'cannot be read as a GeoJSON sequence', { index });
  } finally {
    lines.close();
    input.destroy();
  }
}

export async function openGeoJsonSeq(file: string, notes: string[] = []): Promise<FeatureSource> {
  // Reading the first feature now reports an empty or broken file before the run starts.
  const probe = readGeoJsonSeqFeatures(file);
  try {
    await probe.next();
  } finally {
    await probe.return(undefined);
  }
  return {
    info: { file, format: 'geojsonseq', notes },
    features: () => readGeoJsonSeqFeatures(file),
    close: async () => {},
  };
}
