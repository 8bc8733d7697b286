import { type CameraView, validateViewState } from '../../state/viewState';

/**
 * Camera bookmarks of the operations centre (data/ops/bookmarks.json, bundled): the five wards,
 * the industrial parks and the New City, in tour order. Each is a `CameraView`.
 */
export interface Bookmark {
  id: string;
  kind: 'ward' | 'industrial' | 'newCity';
  nameVi: string;
  nameEn: string;
  camera: CameraView;
}

const KINDS = new Set(['ward', 'industrial', 'newCity']);

/**
 * Reads the bookmarks file; a bad entry is dropped with an error naming it and what is wrong
 * (the rest still load), a file that is not the expected shape gives no bookmarks and one error.
 */
export function parseBookmarks(
  text: string,
  file = 'bookmarks.json',
): { bookmarks: Bookmark[]; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { bookmarks: [], errors: [`${file}: not JSON (${(e as Error).message})`] };
  }
  const list = (json as { bookmarks?: unknown } | null)?.bookmarks;
  if (!Array.isArray(list)) return { bookmarks: [], errors: [`${file}: expected { "bookmarks": [ … ] }`] };
  const bookmarks: Bookmark[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, i) => {
    const b = (raw ?? {}) as Record<string, unknown>;
    const where = `${file} bookmark ${i + 1}${typeof b.id === 'string' ? ` (${b.id})` : ''}`;
    if (typeof b.id !== 'string' || !/^[a-z0-9-]{1,60}$/.test(b.id)) {
      errors.push(`${where}: id must be 1–60 characters a–z, 0–9 or -`);
      return;
    }
    if (seen.has(b.id)) {
      errors.push(`${where}: repeated id`);
      return;
    }
    if (typeof b.kind !== 'string' || !KINDS.has(b.kind)) {
      errors.push(`${where}: kind must be ward, industrial or newCity`);
      return;
    }
    if (typeof b.nameVi !== 'string' || !b.nameVi || typeof b.nameEn !== 'string' || !b.nameEn) {
      errors.push(`${where}: nameVi and nameEn must be non-empty strings`);
      return;
    }
    const { state, errors: camErrors } = validateViewState({ camera: b.camera }, where);
    if (!state.camera) {
      errors.push(...camErrors);
      return;
    }
    seen.add(b.id);
    bookmarks.push({
      id: b.id,
      kind: b.kind as Bookmark['kind'],
      nameVi: b.nameVi,
      nameEn: b.nameEn,
      camera: state.camera,
    });
  });
  return { bookmarks, errors };
}
