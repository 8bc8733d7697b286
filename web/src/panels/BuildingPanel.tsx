import type { BuildingProperties } from '../api';
import { CADASTRAL_LAND_USE } from '../api';
import { formatNumber, t } from '../i18n';

interface Props {
  building: BuildingProperties;
  onClose(): void;
}

function useLabel(code: string): string {
  if (!code) return t('panel.unknown');
  const name = CADASTRAL_LAND_USE[code];
  return `${code} — ${name ?? t('panel.useUnknownCode')}`;
}

/** Properties of the picked building, in the catalog's display order. */
export function BuildingPanel({ building, onClose }: Props) {
  const rows: [string, string, string][] = [
    ['id', t('panel.id'), building.id],
    ...(building.name ? ([['name', t('panel.name'), building.name]] as [string, string, string][]) : []),
    [
      'height',
      t('panel.height'),
      Number.isFinite(building.height)
        ? t('panel.meters', { value: formatNumber(building.height) })
        : t('panel.unknown'),
    ],
    [
      'storeys',
      t('panel.storeys'),
      building.storeys > 0 ? formatNumber(building.storeys, 0) : t('panel.unknown'),
    ],
    ['use', t('panel.use'), useLabel(building.use)],
    ['ward', t('panel.ward'), building.ward || t('panel.unknown')],
    ['source', t('panel.source'), building.source || t('panel.unknown')],
  ];
  return (
    <section
      className="panel building-panel"
      aria-labelledby="building-panel-title"
      data-testid="building-panel"
    >
      <header>
        <h2 id="building-panel-title">{t('panel.title')}</h2>
        <button
          type="button"
          className="close"
          onClick={onClose}
          aria-label={t('panel.close')}
          title={t('panel.close')}
        >
          ×
        </button>
      </header>
      <dl>
        {rows.map(([key, label, value]) => (
          <div key={key} className="row" data-field={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
