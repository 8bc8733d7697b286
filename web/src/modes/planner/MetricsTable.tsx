import { useMemo, useState } from 'react';
import type { ScenarioMetrics } from '../../../../tiler/src/api/planning.js';
import { formatNumber, type MessageId, t } from '../../i18n';
import {
  type CompareRow,
  compareCsv,
  compareRows,
  delta,
  isInteresting,
  type Level,
  type Measure,
} from './compare';

interface Props {
  a: ScenarioMetrics;
  b: ScenarioMetrics;
  onSelectParcel(id: string): void;
}

const COLUMNS: { measure: Measure; label: MessageId; digits: number; scale?: number }[] = [
  { measure: 'gfaM2', label: 'planner.metrics.gfa', digits: 0 },
  { measure: 'far', label: 'planner.metrics.far', digits: 2 },
  { measure: 'coverage', label: 'planner.metrics.coverage', digits: 1, scale: 100 },
  { measure: 'residents', label: 'planner.metrics.residents', digits: 0 },
  { measure: 'buildings', label: 'planner.metrics.buildings', digits: 0 },
];

function cell(v: number | null | undefined, digits: number, scale = 1, signed = false): string {
  if (v === null || v === undefined) return '–';
  const s = formatNumber(v * scale, digits);
  return signed && v > 0 ? `+${s}` : s;
}

function ruleText(rules: string[]): string {
  return rules
    .map((r) => {
      const [rule, count] = r.split(':');
      const label = t(`planner.violation.${rule}` as MessageId);
      return count ? `${label} (${count})` : label;
    })
    .join(', ');
}

/** A, B and B − A per parcel, ward or the whole area; exports every level as CSV. */
export function MetricsTable({ a, b, onSelectParcel }: Props) {
  const [level, setLevel] = useState<Level>('parcel');
  const [onlyChanged, setOnlyChanged] = useState(true);
  const [open, setOpen] = useState(true);
  const rows = useMemo(() => {
    const all = compareRows(a, b, level);
    return level === 'parcel' && onlyChanged ? all.filter(isInteresting) : all;
  }, [a, b, level, onlyChanged]);

  const exportCsv = () => {
    const blob = new Blob([compareCsv(a, b)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `so-sanh-${a.scenarioId}-${b.scenarioId}.csv`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const rowKey = (r: CompareRow) => `${r.level}:${r.id}`;
  return (
    <section className="panel planner-metrics" aria-label={t('planner.metrics')} data-testid="metrics">
      <header>
        <h2>{t('planner.metrics')}</h2>
        <label>
          {t('planner.metrics.level')}{' '}
          <select
            value={level}
            onChange={(e) => setLevel(e.target.value as Level)}
            data-testid="metrics-level"
          >
            <option value="parcel">{t('planner.metrics.level.parcel')}</option>
            <option value="ward">{t('planner.metrics.level.ward')}</option>
            <option value="total">{t('planner.metrics.level.total')}</option>
          </select>
        </label>
        {level === 'parcel' && (
          <label>
            <input type="checkbox" checked={onlyChanged} onChange={(e) => setOnlyChanged(e.target.checked)} />
            {t('planner.metrics.onlyChanged')}
          </label>
        )}
        <span className="count">{t('planner.metrics.rows', { count: rows.length })}</span>
        <button type="button" onClick={exportCsv} data-testid="export-csv">
          {t('planner.metrics.export')}
        </button>
        <button
          type="button"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          data-testid="metrics-toggle"
        >
          {t(open ? 'planner.metrics.collapse' : 'planner.metrics.expand')}
        </button>
      </header>
      <div className="table-wrap" hidden={!open}>
        <table>
          <thead>
            <tr>
              <th rowSpan={2}>{t('planner.metrics.id')}</th>
              <th rowSpan={2}>{t('planner.metrics.landUse')}</th>
              {COLUMNS.map((c) => (
                <th key={c.measure} colSpan={3}>
                  {t(c.label)}
                </th>
              ))}
              <th colSpan={2}>{t('planner.metrics.violations')}</th>
            </tr>
            <tr>
              {COLUMNS.flatMap((c) => [
                <th key={`${c.measure}A`}>A</th>,
                <th key={`${c.measure}B`}>B</th>,
                <th key={`${c.measure}D`}>Δ</th>,
              ])}
              <th>A</th>
              <th>B</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={rowKey(r)}
                data-row={r.level === 'total' ? 'total' : r.id}
                className={r.violationsB.length ? 'violating' : undefined}
                onClick={r.level === 'parcel' ? () => onSelectParcel(r.id) : undefined}
              >
                <td className="id">{r.level === 'total' ? t('planner.metrics.level.total') : r.id}</td>
                <td>{r.landUse}</td>
                {COLUMNS.flatMap((c) => {
                  const d = delta(r.a?.[c.measure], r.b?.[c.measure]);
                  return [
                    <td key={`${c.measure}A`} data-col={`${c.measure}-a`}>
                      {cell(r.a?.[c.measure], c.digits, c.scale)}
                    </td>,
                    <td key={`${c.measure}B`} data-col={`${c.measure}-b`}>
                      {cell(r.b?.[c.measure], c.digits, c.scale)}
                    </td>,
                    <td
                      key={`${c.measure}D`}
                      data-col={`${c.measure}-d`}
                      className={d ? (d > 0 ? 'up' : 'down') : 'same'}
                    >
                      {cell(d, c.digits, c.scale, true)}
                    </td>,
                  ];
                })}
                <td className="rules">{ruleText(r.violationsA)}</td>
                <td className="rules">{ruleText(r.violationsB)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
