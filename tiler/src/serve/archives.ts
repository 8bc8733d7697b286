import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRaw as inflateRawCb } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { METHOD_STORED } from '../archive/format.js';
import { type ArchiveEntry, TilesetArchive } from '../archive/read.js';
import { DATA_PREFIX, safeDecodePath } from './auth/data-paths.js';

/**
 * 3D Tiles archives (`*.3tz`) in the data folder, served as if each were a folder:
 * `/data/city.3tz/tileset.json`, `/data/city.3tz/tiles/9/407/143.glb`. A client (CesiumJS,
 * 3d-tiles-renderer, loaders.gl over HTTP) loads it with a plain tileset URL and resolves the
 * tiles' relative URIs into the same space; none of them needs to know it is an archive.
 *
 * Each archive is opened once and its index kept in memory; an entry costs a binary search and
 * two positioned reads. A replaced archive (re-tiled: a new file renamed over the old) is
 * noticed by its inode and mtime and reopened; the old handle closes when its last read ends.
 *
 * Answers as the static files do: the same Content-Type, `Cache-Control: no-cache`, an ETag (the
 * entry's CRC-32 and size, so an unchanged tile keeps it across re-tiling) and Last-Modified.
 * Deflated entries go out as gzip without recompressing (a gzip member is the raw deflate
 * stream with a 10-byte header and the CRC-32 and size the ZIP already has); stored ones are
 * gzipped by @fastify/compress like any file. Runs as an onRequest hook after the `/data/` gate,
 * so a layer's visibility covers its archive's entries; entry paths only ever select an index
 * record and never reach the file system, and the archive itself must lie inside the data
 * folder (symlinks resolved). The archive file as a whole is not served.
 */

/** Types of what a tileset holds; as the static files are typed (send's table plus server.ts's). */
const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.geojson': 'application/geo+json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ktx2': 'image/ktx2',
};
const BINARY = 'application/octet-stream';

const inflateRaw = promisify(inflateRawCb);

interface Held {
  archive: TilesetArchive;
  /** Requests reading it now. */
  users: number;
  /** Replaced on disk: close once the last user is done. */
  stale: boolean;
}

export class ArchiveFiles {
  private readonly held = new Map<string, Promise<Held>>();
  private rootReal: Promise<string> | undefined;

  constructor(readonly dataDir: string) {}

  readonly onRequest = async (
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    if (reply.sent || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined;
    const decoded = safeDecodePath(req.url);
    if (!decoded?.startsWith(DATA_PREFIX)) return undefined;
    const parts = decoded.slice(DATA_PREFIX.length).split('/');
    const at = parts.findIndex((p) => p.toLowerCase().endsWith('.3tz'));
    if (at < 0) return undefined;
    const file = path.join(this.dataDir, ...parts.slice(0, at + 1));
    // A folder that happens to be called *.3tz is an ordinary folder: the static files serve it.
    if (!(await stat(file).catch(() => undefined))?.isFile()) return undefined;
    const entryPath = parts.slice(at + 1).join('/');
    if (!entryPath || !(await this.insideDataDir(file))) return notFound(reply);

    const held = await this.acquire(file);
    try {
      const entry = await held.archive.find(entryPath);
      if (!entry) return notFound(reply);
      const etag = `W/"${entry.crc32.toString(16).padStart(8, '0')}-${entry.size.toString(16)}"`;
      reply
        .header('Content-Type', CONTENT_TYPES[path.posix.extname(entryPath).toLowerCase()] ?? BINARY)
        .header('Cache-Control', 'no-cache')
        .header('ETag', etag)
        .header('Last-Modified', held.archive.stat.mtime.toUTCString())
        .header('Vary', 'Accept-Encoding');
      if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
      const raw = await held.archive.readRaw(entry);
      if (entry.method === METHOD_STORED) return reply.send(raw);
      if (acceptsGzip(req.headers['accept-encoding'])) {
        return reply.header('Content-Encoding', 'gzip').send(gzipMember(raw, entry));
      }
      return reply.send(await inflateRaw(raw));
    } finally {
      this.release(held);
    }
  };

  /** Closes every archive (the server's onClose). */
  async close(): Promise<void> {
    const all = [...this.held.values()];
    this.held.clear();
    for (const p of all) {
      const h = await p.catch(() => undefined);
      if (h) await h.archive.close().catch(() => {});
    }
  }

  /** The open archive at `file`, reopened when the file was replaced since it was opened. */
  private async acquire(file: string): Promise<Held> {
    const now = await stat(file);
    const cached = this.held.get(file);
    if (cached) {
      const h = await cached.catch(() => undefined);
      const same =
        h &&
        !h.stale &&
        h.archive.stat.ino === now.ino &&
        h.archive.stat.dev === now.dev &&
        h.archive.stat.bytes === now.size &&
        h.archive.stat.mtime.getTime() === now.mtime.getTime();
      if (same) {
        h.users++;
        return h;
      }
      if (this.held.get(file) === cached) {
        this.held.delete(file);
        if (h) this.retire(h);
      }
    }
    let opening = this.held.get(file);
    if (!opening) {
      opening = TilesetArchive.open(file).then((archive) => ({ archive, users: 0, stale: false }));
      this.held.set(file, opening);
      // A broken archive is not kept: the next request tries again (it may have been fixed).
      opening.catch(() => {
        if (this.held.get(file) === opening) this.held.delete(file);
      });
    }
    const h = await opening;
    h.users++;
    return h;
  }

  private release(h: Held): void {
    h.users--;
    if (h.stale && h.users === 0) h.archive.close().catch(() => {});
  }

  private retire(h: Held): void {
    h.stale = true;
    if (h.users === 0) h.archive.close().catch(() => {});
  }

  /** Symlinks may not lead out of the data folder. */
  private async insideDataDir(file: string): Promise<boolean> {
    this.rootReal ??= realpath(this.dataDir).catch(() => path.resolve(this.dataDir));
    const root = await this.rootReal;
    const real = await realpath(file).catch(() => undefined);
    return real?.startsWith(root + path.sep) === true;
  }
}

/** The same answer as any missing file under /data/ (the server's not-found handler). */
function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

/** Whether If-None-Match names this ETag (weak comparison, as for GET). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/** Whether Accept-Encoding allows gzip (`gzip` or `*`, not with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: boolean | undefined;
  let star = false;
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (token.trim() === 'gzip') gzip = allowed;
    else if (token.trim() === '*') star = allowed;
  }
  return gzip ?? star;
}

/** A deflated ZIP entry as a gzip member (RFC 1952): header, the same deflate stream, CRC-32, size. */
export function gzipMember(raw: Buffer, entry: ArchiveEntry): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(entry.crc32 >>> 0, 0);
  trailer.writeUInt32LE(entry.size % 0x1_0000_0000, 4);
  return Buffer.concat([header, raw, trailer]);
}
