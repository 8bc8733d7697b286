import { localText } from '../i18n';
import type { CatalogLayerInfo, LayerStyle, LocalText } from './contracts';

/**
 * Catalogue styles for the viewer, pure (no Cesium): legend rows and the 3D Tiles style of a
 * tiled polygon layer, both from the layer's `style` in the catalogue, so the map and its legend
 * cannot disagree.
 */

export interface LegendRow {
  color: string;
  label: string;
}

const text = (t: LocalText | undefined, fallback: string) => (t ? localText(t) : fallback);

/** Legend rows, in the style's order; `otherLabel` names the catch-all class of categorical styles. */
export function legendRows(style: LayerStyle, title: string, otherLabel: string): LegendRow[] {
  switch (style.type) {
    case 'simple':
      return [{ color: style.color, label: title }];
    case 'categorical':
      return [
        ...style.categories.map((c) => ({ color: c.color, label: text(c.label, c.value) })),
        { color: style.otherColor, label: otherLabel },
      ];
    case 'graduated':
      return style.breaks.map((b, k) => {
        const next = style.breaks[k + 1];
        const unit = style.unit ? ` ${style.unit}` : '';
        return {
          color: b.color,
          label: text(b.label, next ? `${b.min} – ${next.min}${unit}` : `≥ ${b.min}${unit}`),
        };
      });
  }
}

/** `#RRGGBB` + alpha → `rgba(r, g, b, a)`, as 3D Tiles styles write colours. */
export function rgba(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${Math.round(alpha * 1000) / 1000})`;
}

/** JSON-escaped text inside a 3D Tiles style expression string. */
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A 3D Tiles style (the JSON `Cesium3DTileStyle` takes) for a tiled polygon layer. Tiled layers
 * keep `id, name, use, ward` per feature (docs/catalog.md), so a categorical style reads `use`.
 */
export function tilesetStyleJson(
  style: LayerStyle,
  opacity: number,
): { color: { conditions: [string, string][] } } {
  switch (style.type) {
    case 'simple':
      return { color: { conditions: [['true', `color('${rgba(style.color, opacity)}')`]] } };
    case 'categorical':
      return {
        color: {
          conditions: [
            ...style.categories.map((c): [string, string] => [
              `\${use} === ${quote(c.value)}`,
              `color('${rgba(c.color, opacity)}')`,
            ]),
            ['true', `color('${rgba(style.otherColor, opacity)}')`],
          ],
        },
      };
    case 'graduated':
      return {
        color: {
          conditions: [
            ...[...style.breaks]
              .reverse()
              .map((b): [string, string] => [
                `Number(\${use}) >= ${b.min}`,
                `color('${rgba(b.color, opacity)}')`,
              ]),
            ['true', `color('${rgba(style.breaks[0]?.color ?? '#888888', opacity)}')`],
          ],
        },
      };
  }
}

/** The opacity a layer opens with: its style's, else 0.6 for fills and 1 for lines and points. */
export function defaultOpacity(layer: Pick<CatalogLayerInfo, 'style' | 'kind'>): number {
  const o = layer.style.opacity;
  if (o !== undefined) return o;
  return layer.kind === 'polygons' || layer.kind === 'polygon-tiles' || layer.kind === 'polygon-vector-tiles'
    ? 0.6
    : 1;
}

/** Layers the catalogue panel can search: title (vi/en), sector, source, id — accents ignored. */
export function matchesSearch(
  layer: Pick<CatalogLayerInfo, 'id' | 'title' | 'source'>,
  query: string,
): boolean {
  const fold = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase();
  const q = fold(query.trim());
  if (!q) return true;
  return fold(`${layer.id} ${layer.title.vi} ${layer.title.en} ${layer.source}`).includes(q);
}
