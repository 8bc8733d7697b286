import { useEffect, useState } from 'react';
import { localText, t } from '../i18n';
import { REORGANISATION_2025 } from './contracts';
import type { CatalogController } from './controller';
import { formatDay, parseDay } from './format';

const DAY_BEFORE = '2025-06-30';

/**
 * The date the time-aware layers (administrative units before and after 1 July 2025) show, with
 * one click to either side of the reorganisation and the count of units valid that day.
 */
export function DateControl({ controller }: { controller: CatalogController }) {
  // Typed as dd/mm/yyyy (a date input would show the browser's locale, e.g. mm/dd/yyyy).
  const [text, setText] = useState(formatDay(controller.date));
  useEffect(() => setText(formatDay(controller.date)), [controller.date]);
  const commit = () => {
    const day = parseDay(text);
    if (day) controller.setDate(day);
    else setText(formatDay(controller.date));
  };
  const timeLayers = controller.entries.filter((e) => e.info.timeFeatures);
  if (timeLayers.length === 0) return null;
  return (
    <section className="panel date-control" aria-label={t('catalog.date.heading')} data-testid="date-control">
      <h3>{t('catalog.date.heading')}</h3>
      <div className="date-row">
        <label>
          {t('catalog.date.label')}{' '}
          <input
            type="text"
            inputMode="numeric"
            placeholder="dd/mm/yyyy"
            size={10}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commit();
            }}
            data-testid="date-input"
          />
        </label>
        <button
          type="button"
          aria-pressed={controller.date === DAY_BEFORE}
          onClick={() => controller.setDate(DAY_BEFORE)}
          data-testid="date-before"
        >
          {t('catalog.date.before')}
        </button>
        <button
          type="button"
          aria-pressed={controller.date === REORGANISATION_2025}
          onClick={() => controller.setDate(REORGANISATION_2025)}
          data-testid="date-after"
        >
          {t('catalog.date.after')}
        </button>
      </div>
      {timeLayers.map((e) => {
        const counts = controller.unitCounts(e.info.id);
        if (!e.shown || !counts) {
          return (
            <p key={e.info.id} className="muted">
              {t('catalog.date.noLayer', { title: localText(e.info.title) })}
            </p>
          );
        }
        return (
          <p
            key={e.info.id}
            data-testid="unit-count"
            data-total={counts.total}
            data-tdm={counts.tdm}
            data-tdm-wards={counts.tdmWards}
          >
            <strong>
              {t('catalog.date.units', { count: counts.total, date: formatDay(controller.date) })}
            </strong>
            <br />
            {t('catalog.date.tdm', { units: counts.tdm, wards: counts.tdmWards })}
          </p>
        );
      })}
    </section>
  );
}
