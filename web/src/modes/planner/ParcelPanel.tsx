import type { ParcelMetrics, ScenarioMetrics } from '../../../../tiler/src/api/planning.js';
import { PLANNING_LAND_USE_BY_CODE } from '../../../../tiler/src/api/planning.js';
import { formatNumber, type MessageId, t } from '../../i18n';

interface Props {
  parcelId: string;
  a: ScenarioMetrics;
  b: ScenarioMetrics;
  /** A's and B's titles in the UI's language. */
  titles: readonly [string, string];
  onClose(): void;
}

const none = () => t('planner.parcel.none');
const m = (v: number) => `${formatNumber(v)} m`;
const pct = (v: number) => `${formatNumber(v * 100)} %`;

function violated(p: ParcelMetrics | undefined, ...rules: string[]): boolean {
  return !!p?.violations.some((v) => rules.includes(v.rule));
}

/** A clicked parcel: its limits in A and B against what each scenario proposes on it. */
export function ParcelPanel({ parcelId, a, b, titles, onClose }: Props) {
  const pa = a.parcels.find((p) => p.parcelId === parcelId);
  const pb = b.parcels.find((p) => p.parcelId === parcelId);
  const any = pb ?? pa;
  if (!any) return null;
  const use = (p?: ParcelMetrics) =>
    p ? `${p.landUse} — ${PLANNING_LAND_USE_BY_CODE[p.landUse]?.nameVi ?? ''}` : '–';
  // [label, limit A, actual A, limit B, actual B, violated A, violated B]
  const rows: [MessageId, string, string, string, string, boolean, boolean][] = [
    ['planner.parcel.landUse', use(pa), '', use(pb), '', false, false],
    [
      'planner.parcel.area',
      pa ? `${formatNumber(pa.areaM2, 0)} m²` : '–',
      '',
      pb ? `${formatNumber(pb.areaM2, 0)} m²` : '–',
      '',
      false,
      false,
    ],
    [
      'planner.parcel.maxStoreys',
      pa?.maxStoreys != null ? formatNumber(pa.maxStoreys, 0) : none(),
      '',
      pb?.maxStoreys != null ? formatNumber(pb.maxStoreys, 0) : none(),
      '',
      violated(pa, 'storeys'),
      violated(pb, 'storeys'),
    ],
    [
      'planner.parcel.maxHeight',
      pa?.maxHeightM != null ? m(pa.maxHeightM) : none(),
      pa ? m(pa.tallestM) : '–',
      pb?.maxHeightM != null ? m(pb.maxHeightM) : none(),
      pb ? m(pb.tallestM) : '–',
      violated(pa, 'height', 'storeys'),
      violated(pb, 'height', 'storeys'),
    ],
    [
      'planner.parcel.maxCoverage',
      pa?.maxCoverage != null ? pct(pa.maxCoverage) : none(),
      pa ? pct(pa.coverage) : '–',
      pb?.maxCoverage != null ? pct(pb.maxCoverage) : none(),
      pb ? pct(pb.coverage) : '–',
      violated(pa, 'coverage'),
      violated(pb, 'coverage'),
    ],
    [
      'planner.parcel.maxFar',
      pa?.maxFar != null ? formatNumber(pa.maxFar, 2) : none(),
      pa ? formatNumber(pa.far, 2) : '–',
      pb?.maxFar != null ? formatNumber(pb.maxFar, 2) : none(),
      pb ? formatNumber(pb.far, 2) : '–',
      violated(pa, 'far'),
      violated(pb, 'far'),
    ],
    [
      'planner.parcel.setback',
      pa ? m(pa.setbackM) : '–',
      '',
      pb ? m(pb.setbackM) : '–',
      '',
      violated(pa, 'setback'),
      violated(pb, 'setback'),
    ],
    [
      'planner.parcel.buildings',
      '',
      pa ? formatNumber(pa.buildings, 0) : '–',
      '',
      pb ? formatNumber(pb.buildings, 0) : '–',
      false,
      false,
    ],
  ];
  const rules = (p?: ParcelMetrics) =>
    p?.violations.length
      ? p.violations.map((v) => t(`planner.violation.${v.rule}` as MessageId)).join(', ')
      : t('planner.parcel.ok');
  return (
    <section className="panel planner-parcel" data-testid="parcel-panel" aria-labelledby="parcel-title">
      <header>
        <h2 id="parcel-title">{t('planner.parcel.title', { id: parcelId })}</h2>
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
      <table>
        <thead>
          <tr>
            <th />
            <th colSpan={2}>A · {titles[0]}</th>
            <th colSpan={2}>B · {titles[1]}</th>
          </tr>
          <tr>
            <th />
            <th>{t('planner.parcel.limit')}</th>
            <th>{t('planner.parcel.proposed')}</th>
            <th>{t('planner.parcel.limit')}</th>
            <th>{t('planner.parcel.proposed')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, la, xa, lb, xb, va, vb]) => (
            <tr key={label} data-field={label}>
              <th scope="row">{t(label)}</th>
              <td>{la}</td>
              <td className={va ? 'bad' : undefined}>{xa}</td>
              <td>{lb}</td>
              <td className={vb ? 'bad' : undefined}>{xb}</td>
            </tr>
          ))}
          <tr data-field="violations">
            <th scope="row">{t('planner.metrics.violations')}</th>
            <td colSpan={2} className={pa?.violations.length ? 'bad' : 'good'}>
              {rules(pa)}
            </td>
            <td colSpan={2} className={pb?.violations.length ? 'bad' : 'good'}>
              {rules(pb)}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
