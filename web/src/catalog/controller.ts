import { localText } from '../i18n';
import type { FeatureCollection } from '../scene/geojson';
import type { TwinScene } from '../scene/twinScene';
import type {
  CatalogLayerInfo,
  CatalogResponse,
  CatalogSector,
  CompletenessResponse,
  LayerStyle,
  SectorId,
} from './contracts';
import { OutlineHighlight } from './highlight';
import { type CatalogScene, loadCatalogLayer, type PickedFeature } from './layers';
import { defaultOpacity } from './style';

/**
 * The catalogue's state in the viewer, outside React: which layers exist (from `/api/catalog`),
 * which are on, their opacity, the date the time-aware layers show, the completeness table, the
 * files dropped for a private look, and the picked feature. Layers the demo already loads
 * (`/api/layers` without `origin: 'catalog'`) are TwinScene's: the panel only shows or hides them.
 */

export type LayerOwner = 'twin' | 'catalog' | 'private';

export interface LayerEntry {
  info: CatalogLayerInfo;
  owner: LayerOwner;
  shown: boolean;
  opacity: number;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error?: string;
}

export interface SelectedFeature extends PickedFeature {
  title: string;
}

/** Today in Vietnam (UTC+7), `YYYY-MM-DD`. */
export function todayInVietnam(now = new Date()): string {
  return new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** Share → colour for the completeness map: red (none) through amber to green (complete). */
export const COMPLETENESS_BREAKS = [
  { min: 0, color: '#D73027' },
  { min: 0.2, color: '#FC8D59' },
  { min: 0.4, color: '#FEE08B' },
  { min: 0.6, color: '#D9EF8B' },
  { min: 0.8, color: '#1A9850' },
] as const;

export class CatalogController {
  readonly twin: TwinScene;
  private readonly onChange: () => void;
  private readonly abort = new AbortController();
  private readonly scenes = new Map<string, CatalogScene>();
  private readonly collections = new Map<string, FeatureCollection>();
  private removePick: (() => void) | undefined;
  private mapScene: CatalogScene | undefined;
  private dropped = 0;

  sectors: CatalogSector[] = [];
  units: CatalogResponse['units'];
  entries: LayerEntry[] = [];
  date: string = todayInVietnam();
  completeness: CompletenessResponse | undefined;
  /** Completeness map: which sector colours the wards (`overall` = mean), or null when off. */
  mapSector: SectorId | 'overall' | null = null;
  selected: SelectedFeature | null = null;
  /** The picked feature's outline, for layers that cannot recolour one feature (vector tiles). */
  readonly highlight: OutlineHighlight;
  error: string | undefined;
  ready = false;

  constructor(twin: TwinScene, onChange: () => void) {
    this.twin = twin;
    this.onChange = onChange;
    this.highlight = new OutlineHighlight(twin.viewer.scene);
  }

  async start(): Promise<void> {
    const { signal } = this.abort;
    const base = import.meta.env.BASE_URL;
    try {
      const [catalog, list] = await Promise.all([
        fetch(`${base}api/catalog`, { signal }).then((r) => this.json<CatalogResponse>(r)),
        fetch(`${base}api/layers`, { signal }).then((r) => this.json<{ id: string; origin?: string }[]>(r)),
      ]);
      const twinIds = new Set(list.filter((l) => l.origin !== 'catalog').map((l) => l.id));
      this.sectors = catalog.sectors;
      this.units = catalog.units;
      this.entries = catalog.sectors.flatMap((s) =>
        s.layers.map(
          (info): LayerEntry => ({
            info,
            owner: twinIds.has(info.id) ? 'twin' : 'catalog',
            shown: twinIds.has(info.id) ? true : info.defaultOn === true,
            opacity: defaultOpacity(info),
            status: twinIds.has(info.id) ? 'ready' : 'idle',
          }),
        ),
      );
      this.installPicking();
      this.changed();
      await Promise.all(
        this.entries.filter((e) => e.owner === 'catalog' && e.shown).map((e) => this.ensureLoaded(e)),
      );
    } catch (e) {
      if (signal.aborted) return;
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.ready = true;
    this.changed();
    void this.loadCompleteness();
  }

  private async json<T>(res: Response): Promise<T> {
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${res.url})`);
    return (await res.json()) as T;
  }

  async loadCompleteness(): Promise<void> {
    try {
      const res = await fetch(`${import.meta.env.BASE_URL}api/completeness`, { signal: this.abort.signal });
      this.completeness = await this.json<CompletenessResponse>(res);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.changed();
  }

  private changed(): void {
    this.highlight.show(this.selected?.outline);
    this.onChange();
  }

  entry(id: string): LayerEntry | undefined {
    return this.entries.find((e) => e.info.id === id);
  }

  scene(id: string): CatalogScene | undefined {
    return this.scenes.get(id);
  }

  private async ensureLoaded(entry: LayerEntry): Promise<void> {
    if (entry.owner === 'twin' || entry.status === 'loading' || entry.status === 'ready') return;
    entry.status = 'loading';
    this.changed();
    try {
      const collection = this.collections.get(entry.info.id);
      const scene = await loadCatalogLayer(this.twin.viewer, entry.info, {
        signal: this.abort.signal,
        day: this.date,
        shown: entry.shown,
        ...(collection ? { collection } : {}),
      });
      if (this.abort.signal.aborted) {
        scene.destroy();
        return;
      }
      scene.setOpacity(entry.opacity);
      scene.setShown(entry.shown);
      this.scenes.set(entry.info.id, scene);
      entry.status = 'ready';
    } catch (e) {
      if (this.abort.signal.aborted) return;
      entry.status = 'error';
      entry.error = e instanceof Error ? e.message : String(e);
    }
    this.changed();
  }

  async setShown(id: string, shown: boolean): Promise<void> {
    const entry = this.entry(id);
    if (!entry) return;
    entry.shown = shown;
    // A hidden layer's feature is no longer picked (its card and outline go).
    if (!shown && this.selected?.layerId === id) this.selected = null;
    if (entry.owner === 'twin') this.twin.setLayerShown(id, shown);
    else if (this.scenes.has(id)) this.scenes.get(id)!.setShown(shown);
    else if (shown) await this.ensureLoaded(entry);
    this.changed();
  }

  setOpacity(id: string, opacity: number): void {
    const entry = this.entry(id);
    if (!entry || entry.owner === 'twin') return;
    entry.opacity = opacity;
    this.scenes.get(id)?.setOpacity(opacity);
    this.changed();
  }

  setDate(day: string): void {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return;
    this.date = day;
    for (const scene of this.scenes.values()) scene.setDate(day);
    this.changed();
  }

  /** Units of a time-aware layer valid on the current date: all, and those of former Thủ Dầu Một. */
  unitCounts(id: string): { total: number; tdm: number; tdmWards: number } | undefined {
    const scene = this.scenes.get(id);
    if (!scene?.info.timeFeatures) return undefined;
    const valid = scene.visibleFeatures();
    const tdm = valid.filter((f) => f.properties?.tdm === true);
    return {
      total: valid.length,
      tdm: tdm.length,
      // A pre-2025 unit carries the wards it had (14 for Thủ Dầu Một city), a 2025 ward is one.
      tdmWards: tdm.reduce((n, f) => n + (Number(f.properties?.wardCount) || 1), 0),
    };
  }

  /** A dropped GeoJSON, shown privately (never sent to the server). */
  async addPrivate(collection: FeatureCollection, info: Omit<CatalogLayerInfo, 'id'>): Promise<string> {
    const id = `rieng-${++this.dropped}`;
    const entry: LayerEntry = {
      info: { ...info, id },
      owner: 'private',
      shown: true,
      opacity: defaultOpacity(info),
      status: 'idle',
    };
    this.collections.set(id, collection);
    this.entries = [...this.entries, entry];
    this.changed();
    await this.ensureLoaded(entry);
    return id;
  }

  removePrivate(id: string): void {
    this.scenes.get(id)?.destroy();
    this.scenes.delete(id);
    this.collections.delete(id);
    this.entries = this.entries.filter((e) => e.info.id !== id);
    this.changed();
  }

  /** Colours the units by completeness (a sector, or the mean of all), or removes the map. */
  async showCompletenessMap(sector: SectorId | 'overall' | null): Promise<void> {
    this.mapSector = sector;
    this.mapScene?.destroy();
    this.mapScene = undefined;
    this.changed();
    const table = this.completeness;
    const unitsEntry = table?.unitsLayer ? this.entry(table.unitsLayer) : undefined;
    if (!sector || !table || !unitsEntry) return;
    const res = await fetch(unitsEntry.info.url, { signal: this.abort.signal });
    const fc = await this.json<FeatureCollection>(res);
    const idProperty = this.units?.idProperty ?? 'id';
    const share = new Map(
      table.units.map((u) => [u.id, sector === 'overall' ? u.overall : u.sectors[sector].share]),
    );
    const collection: FeatureCollection = {
      type: 'FeatureCollection',
      features: fc.features.map((f) => ({
        ...f,
        properties: { ...f.properties, share: share.get(String(f.properties?.[idProperty])) ?? 0 },
      })),
    };
    const style: LayerStyle = {
      type: 'graduated',
      property: 'share',
      breaks: [...COMPLETENESS_BREAKS],
      opacity: 0.55,
    };
    const scene = await loadCatalogLayer(
      this.twin.viewer,
      { ...unitsEntry.info, id: 'completeness-map', kind: 'polygons', style, timeFeatures: false },
      { collection, day: this.date, shown: true },
    );
    if (this.mapSector !== sector) {
      scene.destroy();
      return;
    }
    this.mapScene = scene;
    this.changed();
  }

  completenessMapReady(): boolean {
    return this.mapScene?.ready() ?? false;
  }

  clearSelection(): void {
    if (!this.selected) return;
    this.selected = null;
    this.changed();
  }

  private installPicking(): void {
    this.removePick = this.twin.addPickHandler((picked, position) => {
      const shown = [...this.scenes].filter(([id]) => this.entry(id)?.shown);
      for (const [id, scene] of shown) {
        const hit = scene.pickedFeature(picked);
        if (hit) {
          this.select(id, hit);
          return true;
        }
      }
      if (this.selected) {
        this.selected = null;
        this.changed();
      }
      // The ground was clicked: imagery layers (vector tiles) answer asynchronously, topmost first.
      const imagery = shown.filter(([, s]) => s.pickAt).reverse();
      if (picked === undefined && imagery.length) {
        const click = ++this.clicks;
        void (async () => {
          for (const [id, scene] of imagery) {
            const hit = await scene.pickAt!(position).catch(() => undefined);
            if (click !== this.clicks) return;
            if (hit) return this.select(id, hit);
          }
        })();
      }
      return false;
    });
  }

  /** Clicks so far: an imagery pick that resolves after a newer click is dropped. */
  private clicks = 0;

  private select(id: string, hit: PickedFeature): void {
    const entry = this.entry(id);
    this.selected = { ...hit, title: entry ? localText(entry.info.title) : id };
    this.changed();
  }

  destroy(): void {
    this.abort.abort();
    this.removePick?.();
    this.highlight.clear();
    this.mapScene?.destroy();
    for (const scene of this.scenes.values()) scene.destroy();
    this.scenes.clear();
  }
}
