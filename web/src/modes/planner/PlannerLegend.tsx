import { t } from '../../i18n';
import type { SunOverlay } from './plannerScene';
import {
  BUILDING_LEGEND,
  type EnvelopeStyleMode,
  envelopeLegend,
  type LegendEntry,
  sunDeltaLegend,
  sunHoursLegend,
} from './styles';

interface Props {
  envelopeMode: EnvelopeStyleMode;
  showEnvelopes: boolean;
  showBuildings: boolean;
  overlay: SunOverlay;
  sunDate: string;
}

function Swatches({ entries }: { entries: LegendEntry[] }) {
  return (
    <ul className="swatches">
      {entries.map((e) => (
        <li key={`${e.label}:${e.color}`}>
          <span className="swatch" style={{ background: e.color }} />
          {t(e.label, e.params)}
        </li>
      ))}
    </ul>
  );
}

/** A legend for every styled layer on screen, from the same tables as the styles. */
export function PlannerLegend({ envelopeMode, showEnvelopes, showBuildings, overlay, sunDate }: Props) {
  const sun = overlay === 'delta' ? sunDeltaLegend() : sunHoursLegend(sunDate);
  return (
    <section className="panel planner-legend" data-testid="planner-legend">
      {showEnvelopes && (
        <>
          <h3>{t('planner.legend.envelopes')}</h3>
          <Swatches entries={envelopeLegend(envelopeMode)} />
        </>
      )}
      {showBuildings && (
        <>
          <h3>{t('planner.legend.buildings')}</h3>
          <Swatches entries={BUILDING_LEGEND} />
        </>
      )}
      {overlay !== 'off' && (
        <>
          <h3>{t(sun.title.label, sun.title.params)}</h3>
          <div
            className="ramp"
            style={{ background: `linear-gradient(to right, ${sun.entries.map((e) => e.color).join(', ')})` }}
          />
          <div className="ramp-labels">
            {sun.entries.map((e) => (
              <span key={e.color}>{t(e.label, e.params)}</span>
            ))}
          </div>
          <ul className="swatches">
            <li>
              <span className="swatch" style={{ background: 'transparent' }} />
              {t('planner.legend.underBuilding')}
            </li>
          </ul>
        </>
      )}
    </section>
  );
}
