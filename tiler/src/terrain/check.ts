import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { geodeticToEcef } from '../geo/ellipsoid.js';
import { type DecodedQuantizedMesh, decodeQuantizedMesh } from './decode.js';
import { EXTENSION_OCT_NORMALS } from './encode.js';
import type { TerrainLayerJson } from './layer-json.js';
import { QUANTIZED_MAX } from './mesh.js';
import { type TileKey, tileBox, tilesX, tilesY } from './tiling.js';

/**
 * Structural check of a quantized-mesh terrain folder against what CesiumTerrainProvider
 * expects, plus the border walk: every pair of neighbouring tiles must have the same vertices
 * along their shared side at the same heights. What the tests run on every terrain they write.
 */
export interface TerrainCheck {
  /** Problems found, in words; empty when the terrain is sound. */
  problems: string[];
  tiles: number;
  /** Shared borders walked. */
  borders: number;
  /** Largest height difference between the two sides of a shared border vertex, metres. */
  maxBorderGapM: number;
  /** Largest quantization step of a tile (max − min) / 32767, metres: the gap that rounding alone allows. */
  maxQuantizationStepM: number;
  layer: TerrainLayerJson;
}

const id = ({ z, x, y }: TileKey) => `${z}/${x}/${y}`;

export async function checkTerrain(dir: string): Promise<TerrainCheck> {
  const problems: string[] = [];
  const layer = JSON.parse(await readFile(path.join(dir, 'layer.json'), 'utf8')) as TerrainLayerJson;
  const expect = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  expect(layer.format === 'quantized-mesh-1.0', `layer.json format is ${layer.format}`);
  expect(layer.scheme === 'tms', `layer.json scheme is ${layer.scheme}`);
  expect(layer.projection === 'EPSG:4326', `layer.json projection is ${layer.projection}`);
  expect(
    Array.isArray(layer.tiles) && layer.tiles.length > 0 && /\{z\}.*\{x\}.*\{y\}/.test(layer.tiles[0] ?? ''),
    'layer.json tiles must be a template with {z}, {x} and {y}',
  );
  expect(typeof layer.version === 'string' && layer.version.length > 0, 'layer.json needs a version');
  expect(layer.minzoom === 0, 'layer.json minzoom must be 0');
  expect(
    layer.available?.length === layer.maxzoom + 1,
    'layer.json available needs one entry per level 0…maxzoom',
  );
  const level0 = layer.available?.[0] ?? [];
  expect(
    level0.some((r) => r.startX === 0 && r.endX === 1 && r.startY === 0 && r.endY === 0),
    'level 0 must offer both root tiles (Cesium cannot start without them)',
  );
  expect(Array.isArray(layer.extensions), 'layer.json extensions must be an array');

  const listed: TileKey[] = [];
  layer.available.forEach((ranges, z) => {
    for (const r of ranges) {
      expect(r.startX <= r.endX && r.startY <= r.endY, `bad range at level ${z}`);
      expect(r.endX < tilesX(z) && r.endY < tilesY(z), `range outside level ${z}`);
      for (let y = r.startY; y <= r.endY; y++)
        for (let x = r.startX; x <= r.endX; x++) listed.push({ z, x, y });
    }
  });
  const onDisk = new Set<string>();
  for (const z of await readdir(dir).catch(() => [])) {
    if (!/^\d+$/.test(z)) continue;
    for (const x of await readdir(path.join(dir, z))) {
      for (const f of await readdir(path.join(dir, z, x)))
        onDisk.add(`${z}/${x}/${f.replace(/\.terrain$/, '')}`);
    }
  }
  const listedIds = new Set(listed.map(id));
  for (const t of onDisk) expect(listedIds.has(t), `${t}.terrain is not in layer.json available`);

  const tiles = new Map<string, DecodedQuantizedMesh>();
  let maxQuantizationStepM = 0;
  const normals = layer.extensions.includes('octvertexnormals');
  const water = layer.extensions.includes('watermask');
  for (const key of listed) {
    const file = path.join(dir, `${id(key)}.terrain`);
    const bytes = await readFile(file).catch(() => undefined);
    if (!bytes) {
      problems.push(`${id(key)}.terrain is listed but missing`);
      continue;
    }
    expect(bytes[0] === 0x1f && bytes[1] === 0x8b, `${id(key)}.terrain is not gzipped`);
    const mesh = decodeQuantizedMesh(bytes);
    tiles.set(id(key), mesh);
    checkTile(key, mesh, { normals, water }, (m) => problems.push(`${id(key)}: ${m}`));
    maxQuantizationStepM = Math.max(
      maxQuantizationStepM,
      (mesh.header.maxHeightM - mesh.header.minHeightM) / QUANTIZED_MAX,
    );
  }

  let borders = 0;
  let maxBorderGapM = 0;
  for (const key of listed) {
    const mine = tiles.get(id(key));
    if (!mine) continue;
    const east = { z: key.z, x: (key.x + 1) % tilesX(key.z), y: key.y };
    const north = { z: key.z, x: key.x, y: key.y + 1 };
    for (const [other, mySide, theirSide, along] of [
      [east, 'east', 'west', 'v'],
      [north, 'north', 'south', 'u'],
    ] as const) {
      const theirs = tiles.get(id(other));
      if (!theirs || theirs === mine) continue;
      borders++;
      const a = [...mine[mySide]].map((i) => [mine[along][i]!, mine.heightsM[i]!] as const);
      const b = [...theirs[theirSide]].map((i) => [theirs[along][i]!, theirs.heightsM[i]!] as const);
      const where = `${id(key)} ${mySide} / ${id(other)} ${theirSide}`;
      if (a.map((p) => p[0]).join() !== b.map((p) => p[0]).join()) {
        problems.push(`${where}: border vertices differ (${a.length} vs ${b.length}): a crack`);
        continue;
      }
      for (let i = 0; i < a.length; i++)
        maxBorderGapM = Math.max(maxBorderGapM, Math.abs(a[i]![1] - b[i]![1]));
    }
  }
  return { problems, tiles: tiles.size, borders, maxBorderGapM, maxQuantizationStepM, layer };
}

function checkTile(
  key: TileKey,
  mesh: DecodedQuantizedMesh,
  { normals, water }: { normals: boolean; water: boolean },
  problem: (m: string) => void,
) {
  const n = mesh.u.length;
  if (n < 3 || mesh.indices.length < 3) problem('no triangles');
  for (const i of mesh.indices) if (i >= n) return problem(`index ${i} ≥ vertex count ${n}`);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const h of mesh.heightsM) {
    lo = Math.min(lo, h);
    hi = Math.max(hi, h);
  }
  const { header } = mesh;
  if (Math.abs(lo - header.minHeightM) > 1e-3 || Math.abs(hi - header.maxHeightM) > 1e-3) {
    problem(`header heights ${header.minHeightM}…${header.maxHeightM} but vertices span ${lo}…${hi}`);
  }
  const box = tileBox(key);
  const p = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const lon = box.westDeg + (mesh.u[i]! / QUANTIZED_MAX) * (box.eastDeg - box.westDeg);
    const lat = box.southDeg + (mesh.v[i]! / QUANTIZED_MAX) * (box.northDeg - box.southDeg);
    geodeticToEcef(lon, lat, mesh.heightsM[i]!, p);
    const d = Math.hypot(
      p[0]! - header.sphereCenter[0],
      p[1]! - header.sphereCenter[1],
      p[2]! - header.sphereCenter[2],
    );
    if (d > header.sphereRadiusM + 1e-3)
      return problem(`vertex ${i} is ${d - header.sphereRadiusM} m outside the bounding sphere`);
  }
  if (!header.horizonOcclusionPoint.every(Number.isFinite)) problem('horizon occlusion point is not finite');
  const sides = {
    west: (i: number) => mesh.u[i] === 0,
    east: (i: number) => mesh.u[i] === QUANTIZED_MAX,
    south: (i: number) => mesh.v[i] === 0,
    north: (i: number) => mesh.v[i] === QUANTIZED_MAX,
  };
  for (const [side, on] of Object.entries(sides) as [keyof typeof sides, (i: number) => boolean][]) {
    const expected = [...Array(n).keys()].filter(on).length;
    if (mesh[side].length !== expected)
      problem(`${side} edge lists ${mesh[side].length} vertices, ${expected} lie on it`);
    if (mesh[side].length < 2) problem(`${side} edge has fewer than 2 vertices`);
  }
  if (normals && (!mesh.extensions.includes(EXTENSION_OCT_NORMALS) || mesh.normals?.length !== 2 * n)) {
    problem('layer.json promises octvertexnormals but the tile has none (or the wrong count)');
  }
  // The spec allows exactly two sizes: 1 byte (all land or all water) or 256 × 256.
  if (water && mesh.waterMask?.length !== 1 && mesh.waterMask?.length !== 256 * 256) {
    problem(
      `layer.json promises watermask but the tile has ${mesh.waterMask ? `${mesh.waterMask.length} bytes of it` : 'none'}`,
    );
  }
}
