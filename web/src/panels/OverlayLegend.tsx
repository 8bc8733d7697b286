import { AQI_BANDS } from '../api';
import { t } from '../i18n';
import type { OverlayLayer } from '../overlays/controller';
import { GAUGE_COLOURS, NO_AQI_COLOUR, STALE_COLOUR } from '../overlays/sensors';
import { TRAFFIC_CLASSES, TRAFFIC_STALE } from '../overlays/traffic';
import { ROUTE_PALETTE } from '../overlays/vehicles';

interface Props {
  visible: Readonly<Record<OverlayLayer, boolean>>;
  counts: Readonly<Record<OverlayLayer, number>>;
  onToggle(layer: OverlayLayer, show: boolean): void;
}

const LAYER_LABEL = {
  air: 'overlays.layer.air',
  water: 'overlays.layer.water',
  traffic: 'overlays.layer.traffic',
  vehicles: 'overlays.layer.vehicles',
} as const;

/** Live layers on/off, each with its colour key (the same tables the markers are drawn from). */
export function OverlayLegend({ visible, counts, onToggle }: Props) {
  const toggle = (layer: OverlayLayer) => (
    <label className="toggle">
      <input type="checkbox" checked={visible[layer]} onChange={(e) => onToggle(layer, e.target.checked)} />
      {t(LAYER_LABEL[layer])} <span className="n">({counts[layer]})</span>
    </label>
  );
  return (
    <section
      className="panel overlay-legend"
      aria-label={t('overlays.legend.heading')}
      data-testid="overlay-legend"
    >
      <h2>{t('overlays.legend.heading')}</h2>
      {toggle('air')}
      <ul className="chips" title={t('overlays.legend.aqi')}>
        {AQI_BANDS.map((b) => (
          <li key={b.level} title={`${b.min}–${b.max}`}>
            <span className="chip" style={{ background: b.colour }} />
            {b.labelVi}{' '}
            <small>
              {b.min}–{b.max}
            </small>
          </li>
        ))}
        <li>
          <span className="chip" style={{ background: NO_AQI_COLOUR }} />
          <small>{t('overlays.legend.noAqi')}</small>
        </li>
      </ul>
      {toggle('water')}
      <ul className="chips" title={t('overlays.legend.gauges')}>
        {GAUGE_COLOURS.map((c, i) => (
          <li key={c}>
            <span className="chip" style={{ background: c }} />
            {t(`overlays.gauge.level${i as 0 | 1 | 2 | 3}`)}
          </li>
        ))}
      </ul>
      {toggle('traffic')}
      <ul className="chips" title={t('overlays.legend.traffic')}>
        {[...TRAFFIC_CLASSES, TRAFFIC_STALE].map((c) => (
          <li key={c.id}>
            <span className="chip line" style={{ background: c.colour }} />
            {t(c.label)}
          </li>
        ))}
      </ul>
      {toggle('vehicles')}
      <ul className="chips">
        <li>
          <span className="chip route" style={{ background: ROUTE_PALETTE[0] }} />
          <span className="chip route" style={{ background: ROUTE_PALETTE[1] }} />
          <span className="chip route" style={{ background: ROUTE_PALETTE[2] }} />
          {t('overlays.legend.buses')}
        </li>
      </ul>
      <p className="stale-note">
        <span className="chip" style={{ background: STALE_COLOUR }} />
        {t('overlays.legend.stale')}
      </p>
    </section>
  );
}
