import type { LayerInfo } from '../api';
import { inLang, t } from '../i18n';
import { legendEntries, type StyleMode } from '../scene/buildingStyle';
import { BOUNDARY_STYLE, BUS_STOP_STYLE, ROAD_STYLES } from '../scene/layerStyle';

interface Props {
  mode: StyleMode;
  onModeChange(mode: StyleMode): void;
  layers: LayerInfo[];
}

/** Style switch plus a legend built from the same tables as the 3D Tiles style. */
export function Legend({ mode, onModeChange, layers }: Props) {
  const has = (kind: LayerInfo['kind']) => layers.some((l) => l.kind === kind);
  return (
    <section className="panel legend" aria-label={t('style.heading')} data-testid="legend">
      <fieldset className="style-switch">
        <legend>{t('style.heading')}</legend>
        {(['use', 'height'] as const).map((m) => (
          <label key={m}>
            <input
              type="radio"
              name="style"
              value={m}
              checked={mode === m}
              onChange={() => onModeChange(m)}
            />
            {t(m === 'use' ? 'style.byUse' : 'style.byHeight')}
          </label>
        ))}
      </fieldset>
      <h3>{t(mode === 'use' ? 'legend.heading.use' : 'legend.heading.height')}</h3>
      <ul className="swatches">
        {legendEntries(mode).map((e) => (
          <li key={e.color}>
            <span className="swatch" style={{ background: e.color }} />
            {t(e.label, e.params)}
          </li>
        ))}
      </ul>
      {has('roads') && (
        <>
          <h3>{t('legend.roads')}</h3>
          <ul className="swatches lines">
            {ROAD_STYLES.map((r) => (
              <li key={r.id}>
                <span className="line" style={{ background: r.color, height: `${Math.max(2, r.width)}px` }} />
                {t(r.label)}
              </li>
            ))}
          </ul>
        </>
      )}
      {(has('boundaries') || has('points')) && (
        <ul className="swatches lines">
          {has('boundaries') && (
            <li>
              <span className="line dashed" style={{ borderColor: BOUNDARY_STYLE.color }} />
              {t(BOUNDARY_STYLE.label)}
            </li>
          )}
          {layers
            .filter((l) => l.kind === 'points')
            .map((l) => (
              <li key={l.id}>
                <span className="dot" style={{ background: BUS_STOP_STYLE.color }} />
                {inLang(l.title, l.en?.title)}
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
