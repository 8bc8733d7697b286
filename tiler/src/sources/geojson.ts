import { createReadStream } from 'node:fs';
import Assembler from 'stream-json/assembler.js';
import { verifyFile } from 'stream-json/file/verifier.js';
import { jsonParser, type Token } from 'stream-json/parser.js';
import { InputError } from '../errors.js';
import {
  asInputError,
  describeJsonValue,
  type FeatureSource,
  type SourceCrs,
  type SourceFeature,
  type SourceInfo,
} from './source.js';

/**
 * GeoJSON (RFC 7946) FeatureCollection, or a single Feature, streamed: the file is tokenised
 * in 64 KiB chunks and each feature is assembled on its own, so memory stays bounded for a
 * 1 GB file. Errors name the file and say what is wrong (with line and column for bad JSON).
 * A legacy `crs` member is reported in `info.crs`, not refused: the CRS module decides.
 */

/** Kept for callers of the first version; a GeoJSON feature as parsed. */
export type GeoJsonFeature = SourceFeature;

// stream-json's bare tokenizer is a stream-chain "flushable": call it with text, then with the
// `none` marker to flush; it returns `{values: Token[]}` ("many") or `none`. Both markers are
// registered symbols (the protocol is shared between libraries by design), so they are taken
// from the symbol registry instead of importing stream-chain, which is not our dependency.
// Driving it directly is ~8x faster than iterating its Node stream token by token.
const NONE = Symbol.for('object-stream.none');
const MANY = Symbol.for('object-stream.many');
type Tokenizer = (chunk: string | symbol) => unknown;
function tokensOf(result: unknown): Token[] {
  const many = result as { [MANY]?: number; values?: Token[] } | undefined;
  return many?.[MANY] === 1 && many.values ? many.values : [];
}

const READ_CHUNK_BYTES = 64 * 1024;

/** Names for the CRS that GeoJSON coordinates already are (longitude, latitude in degrees). */
export const LONLAT_CRS_NAMES: ReadonlySet<string> = new Set([
  'urn:ogc:def:crs:OGC:1.3:CRS84',
  'urn:ogc:def:crs:OGC::CRS84',
  'urn:ogc:def:crs:EPSG::4326',
  'EPSG:4326',
]);

/** `urn:ogc:def:crs:EPSG::3405`, `EPSG:3405`, `http://www.opengis.net/def/crs/EPSG/0/3405` → 3405. */
export function epsgFromCrsName(name: string): number | undefined {
  const m = /EPSG(?::[\d.]*:|:|\/[\d.]+\/)(\d+)$/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

function crsFromMember(crs: unknown): SourceCrs | undefined {
  const name = (crs as { properties?: { name?: unknown } } | null | undefined)?.properties?.name;
  if (typeof name !== 'string') return undefined;
  const epsg = epsgFromCrsName(name);
  return epsg === undefined ? { name } : { name, epsg };
}

/** What the top-level object said before its features (or in all, for a single Feature). */
interface Header {
  type: unknown;
  crs: SourceCrs | undefined;
}

/**
 * Turns the token stream into features. Synchronous and push-driven: `push` takes one chunk's
 * tokens and appends the features they complete to `out`; `end` checks what only the end can tell.
 */
class FeatureCollectionScanner {
  private phase: 'start' | 'object' | 'memberValue' | 'featuresValue' | 'features' | 'done' = 'start';
  private readonly asm = new Assembler();
  private assembling: 'member' | 'feature' | undefined;
  private key = '';
  private readonly members: Record<string, unknown> = {};
  private featuresArray = false;
  private headerSent = false;
  index = 0;

  /** No token yet: the text so far is only white space. */
  get blank(): boolean {
    return this.phase === 'start' && !this.assembling;
  }

  constructor(
    private readonly file: string,
    private readonly onHeader: (header: Header) => void,
  ) {}

  private fail(reason: string): never {
    throw new InputError(this.file, reason);
  }

  private checkType(type: unknown): void {
    if (type === 'FeatureCollection' || type === 'Feature') return;
    const found = type === undefined ? 'no "type" member' : `"type": ${JSON.stringify(type)}`;
    this.fail(`is JSON but not GeoJSON: expected "type": "FeatureCollection" or "Feature", found ${found}`);
  }

  /** Once a "features" array is met, the object must be (or turn out to be) a FeatureCollection. */
  private checkCollectionType(): void {
    const type = this.members.type;
    if (type === 'Feature')
      this.fail('is not valid GeoJSON: a "type": "Feature" object has a "features" array');
    this.checkType(type);
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.onHeader({ type: this.members.type, crs: crsFromMember(this.members.crs) });
  }

  push(tokens: Token[], out: SourceFeature[]): void {
    for (const token of tokens) {
      if (this.assembling) {
        this.asm.consume(token);
        if (this.asm.done) this.finishValue(out);
        continue;
      }
      switch (this.phase) {
        case 'start':
          if (token.name === 'startObject') this.phase = 'object';
          else
            this.fail(
              `is JSON but not GeoJSON: expected a FeatureCollection object, found ${topLevel(token)}`,
            );
          break;
        case 'object':
          if (token.name === 'keyValue') {
            this.key = token.value;
            this.phase = this.key === 'features' ? 'featuresValue' : 'memberValue';
          } else if (token.name === 'endObject') this.phase = 'done';
          break;
        case 'memberValue':
          this.phase = 'object';
          this.startValue('member', token);
          break;
        case 'featuresValue':
          if (token.name === 'startArray') {
            // Usually "type" came first and is checked now; if it comes later, it is checked then.
            if (this.members.type !== undefined) this.checkCollectionType();
            this.featuresArray = true;
            this.phase = 'features';
            this.sendHeader();
          } else {
            this.phase = 'object';
            this.startValue('member', token);
          }
          break;
        case 'features':
          if (token.name === 'endArray') this.phase = 'object';
          else this.startValue('feature', token);
          break;
        case 'done':
          break;
      }
      if (this.assembling && this.asm.done) this.finishValue(out);
    }
  }

  private startValue(kind: 'member' | 'feature', token: Token): void {
    this.assembling = kind;
    this.asm.consume(token);
  }

  private finishValue(out: SourceFeature[]): void {
    const value = this.asm.current;
    const kind = this.assembling;
    this.assembling = undefined;
    if (kind === 'member') {
      if (this.headerSent && this.key === 'crs' && !this.members.crs) {
        const crs = crsFromMember(value);
        // The CRS must be known before any coordinate is used; GeoJSON writers put it first.
        if (crs && !LONLAT_CRS_NAMES.has(crs.name ?? '')) {
          this.fail(
            `declares its coordinate system (${crs.name}) after its features; move the "crs" member before "features", or reproject the file to longitude/latitude`,
          );
        }
      }
      this.members[this.key] = value;
      if (this.key === 'type') {
        // Checked at once, so a large non-GeoJSON document (e.g. TopoJSON) is not assembled.
        if (this.featuresArray) this.checkCollectionType();
        else this.checkType(value);
      }
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(this.file, `is not a GeoJSON Feature object (found ${describeJsonValue(value)})`, {
        index: this.index,
      });
    }
    // Passed on as parsed: the normaliser checks `type` and geometry, so a bad feature counts
    // against --max-rejected instead of stopping the whole run.
    out.push(value as SourceFeature);
    this.index++;
  }

  /** After the last token: what only the whole object can tell. */
  end(out: SourceFeature[]): void {
    if (this.phase === 'start') this.fail('is not valid JSON (the file holds only white space)');
    const type = this.members.type;
    if (!this.featuresArray) {
      this.checkType(type);
      if (type === 'Feature') {
        this.sendHeader();
        const feature: Record<string, unknown> = { ...this.members };
        delete feature.crs;
        out.push(feature as unknown as SourceFeature);
        this.index++;
        return;
      }
      this.fail('is not valid GeoJSON: the FeatureCollection has no "features" array');
    }
    this.checkCollectionType();
    if (this.index === 0) this.fail('contains no features (the FeatureCollection is empty)');
  }
}

function topLevel(token: Token): string {
  switch (token.name) {
    case 'startArray':
      return 'an array';
    case 'stringValue':
    case 'startString':
      return 'a string';
    case 'numberValue':
    case 'startNumber':
      return 'a number';
    case 'trueValue':
    case 'falseValue':
      return 'a boolean';
    case 'nullValue':
      return 'a null';
    default:
      return token.name;
  }
}

/** Where the JSON first goes wrong, found by stream-json's verifier in a second (bounded) pass. */
async function describeSyntaxError(file: string, parserMessage: string, atEnd: boolean): Promise<string> {
  const plain = (m: string) =>
    m.replace(/^(?:ERROR at \d+ \(\d+, \d+\): )?(?:Parser|Verifier) (?:cannot parse input: |has )/, '');
  let where = '';
  let message = plain(parserMessage);
  try {
    await verifyFile(file);
  } catch (error) {
    const e = error as { message?: string; line?: number; pos?: number };
    if (typeof e.line === 'number' && typeof e.pos === 'number') {
      where = ` near line ${e.line}, column ${e.pos}`;
      if (e.message) message = plain(e.message);
    }
  }
  const truncated = atEnd ? '; the file ends there — is it truncated?' : '';
  return `is not valid JSON (${message}${where}${truncated})`;
}

/**
 * Streams the features of a GeoJSON file. `onHeader` is called once, before the first feature,
 * with the `type` and `crs` met before the features array.
 */
export async function* readGeoJsonFeatures(
  file: string,
  onHeader: (header: Header) => void = () => {},
): AsyncGenerator<SourceFeature> {
  const scanner = new FeatureCollectionScanner(file, onHeader);
  const tokenizer = jsonParser({ streamValues: false }) as unknown as Tokenizer;
  const input = createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  const out: SourceFeature[] = [];
  let first = true;
  let atEnd = false;
  try {
    try {
      for await (let chunk of input as AsyncIterable<string>) {
        if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // UTF-8 byte-order mark
        first = false;
        scanner.push(tokensOf(tokenizer(chunk)), out);
        yield* drain(out);
      }
      atEnd = true;
      scanner.push(tokensOf(tokenizer(NONE)), out);
    } catch (error) {
      if (error instanceof InputError || (error as NodeJS.ErrnoException).syscall) throw error;
      if (atEnd && scanner.blank)
        throw new InputError(file, 'is not valid JSON (the file holds only white space)');
      throw new InputError(file, await describeSyntaxError(file, (error as Error).message, atEnd));
    }
    scanner.end(out);
    yield* drain(out);
  } catch (error) {
    throw asInputError(error, file, 'cannot be read as GeoJSON');
  } finally {
    input.destroy();
  }
}

function* drain(out: SourceFeature[]): Generator<SourceFeature> {
  for (let i = 0; i < out.length; i++) yield out[i]!;
  out.length = 0;
}

/**
 * Opens a GeoJSON file: reads up to the first feature to fill `info` (and to report an empty,
 * non-JSON or non-GeoJSON file now rather than mid-run).
 */
export async function openGeoJson(file: string, notes: string[] = []): Promise<FeatureSource> {
  let header: Header = { type: undefined, crs: undefined };
  const probe = readGeoJsonFeatures(file, (h) => {
    header = h;
  });
  try {
    await probe.next();
  } finally {
    await probe.return(undefined);
  }
  const info: SourceInfo = { file, format: 'geojson', notes };
  if (header.crs) info.crs = header.crs;
  return {
    info,
    features: () => readGeoJsonFeatures(file),
    close: async () => {},
  };
}
