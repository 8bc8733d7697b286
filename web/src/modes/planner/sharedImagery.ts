import type { ImageryProvider } from 'cesium';

/**
 * One imagery provider for several viewers without fetching a tile twice. Each viewer's
 * ImageryLayer asks its provider for tiles on its own; this proxy hands every layer the same
 * promise per tile (level/x/y), so the synced side-by-side views cost one request per tile, not
 * two. The viewer's throttling Request is not passed on: a tile one view cancels (it scrolled
 * away) may still be wanted by the other, so each tile is fetched once, unthrottled, and kept.
 * (Swipe mode needs none of this: it is one viewer, and one globe, for both scenarios.)
 */
export function sharedImageryProvider<T extends ImageryProvider>(provider: T): T {
  const tiles = new Map<string, ReturnType<ImageryProvider['requestImage']>>();
  const requestImage: ImageryProvider['requestImage'] = (x, y, level) => {
    const key = `${level}/${x}/${y}`;
    const cached = tiles.get(key);
    if (cached) return cached;
    const promise = provider.requestImage(x, y, level);
    if (!promise) return undefined;
    tiles.set(key, promise);
    // A failed tile may be asked for again (and then fetched again).
    promise.catch(() => tiles.delete(key));
    return promise;
  };
  return new Proxy(provider, {
    get(target, prop) {
      if (prop === 'requestImage') return requestImage;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
