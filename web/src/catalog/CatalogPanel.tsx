import { useState } from 'react';
import { formatNumber, localText, type MessageId, t } from '../i18n';
import type { CatalogController, LayerEntry } from './controller';
import { formatDateTime, formatDay } from './format';
import { legendRows, matchesSearch } from './style';

/** The catalogue panel: search, layers grouped by sector, toggle, opacity, legend, metadata card. */
export function CatalogPanel({ controller, onClose }: { controller: CatalogController; onClose(): void }) {
  const [query, setQuery] = useState('');
  const [openCard, setOpenCard] = useState<string | null>(null);
  const groups = controller.sectors.map((s) => ({
    id: s.id,
    title: localText(s.title),
    entries: controller.entries.filter((e) => e.owner !== 'private' && e.info.sector === s.id),
  }));
  const privates = controller.entries.filter((e) => e.owner === 'private');
  const shownGroups = groups.map((g) => ({
    ...g,
    entries: g.entries.filter((e) => matchesSearch(e.info, query)),
  }));
  const anyMatch = shownGroups.some((g) => g.entries.length > 0);
  return (
    <section className="panel catalog-panel" aria-label={t('catalog.heading')} data-testid="catalog-panel">
      <header>
        <h2>{t('catalog.heading')}</h2>
        <button type="button" className="close" onClick={onClose} aria-label={t('catalog.close')}>
          ×
        </button>
      </header>
      <input
        type="search"
        className="catalog-search"
        placeholder={t('catalog.search')}
        aria-label={t('catalog.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {!controller.ready && <p className="muted">{t('catalog.loadingCatalog')}</p>}
      {controller.error && <p className="error">{t('catalog.error', { message: controller.error })}</p>}
      {query && !anyMatch && <p className="muted">{t('catalog.noMatch', { query })}</p>}
      <div className="catalog-groups">
        {shownGroups.map((g) =>
          query && g.entries.length === 0 ? null : (
            <details key={g.id} open className="catalog-sector" data-sector={g.id}>
              <summary>
                <span>{g.title}</span>
                <span className="muted">
                  {g.entries.length
                    ? t('catalog.layerCount', { count: g.entries.length })
                    : t('catalog.emptySector')}
                </span>
              </summary>
              {g.entries.map((e) => (
                <LayerRow
                  key={e.info.id}
                  entry={e}
                  controller={controller}
                  cardOpen={openCard === e.info.id}
                  onCard={() => setOpenCard(openCard === e.info.id ? null : e.info.id)}
                />
              ))}
            </details>
          ),
        )}
        {privates.length > 0 && (
          <details open className="catalog-sector" data-sector="private">
            <summary>{t('catalog.private')}</summary>
            {privates.map((e) => (
              <LayerRow
                key={e.info.id}
                entry={e}
                controller={controller}
                cardOpen={openCard === e.info.id}
                onCard={() => setOpenCard(openCard === e.info.id ? null : e.info.id)}
              />
            ))}
          </details>
        )}
      </div>
      <p className="muted drop-hint">{t('catalog.drop.hint')}</p>
    </section>
  );
}

function LayerRow({
  entry,
  controller,
  cardOpen,
  onCard,
}: {
  entry: LayerEntry;
  controller: CatalogController;
  cardOpen: boolean;
  onCard(): void;
}) {
  const { info } = entry;
  const title = localText(info.title);
  const rows = legendRows(info.style, title, t('catalog.legend.other'));
  return (
    <div className="catalog-layer" data-layer={info.id} data-shown={entry.shown} data-status={entry.status}>
      <div className="catalog-layer-head">
        <label>
          <input
            type="checkbox"
            checked={entry.shown}
            aria-label={t('catalog.show', { title })}
            onChange={(e) => void controller.setShown(info.id, e.target.checked)}
          />
          <span className="swatch" style={{ background: rows[0]?.color ?? '#888' }} />
          <span className="catalog-layer-title">{title}</span>
        </label>
        <button
          type="button"
          className="info"
          onClick={onCard}
          aria-expanded={cardOpen}
          title={t('catalog.details')}
        >
          i
        </button>
      </div>
      {entry.status === 'loading' && <p className="muted">{t('catalog.status.loading')}</p>}
      {entry.status === 'error' && (
        <p className="error">{t('catalog.status.error', { message: entry.error ?? '' })}</p>
      )}
      {entry.shown && entry.owner !== 'twin' && (
        <>
          <label className="opacity">
            {t('catalog.opacity')}
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={entry.opacity}
              onChange={(e) => controller.setOpacity(info.id, Number(e.target.value))}
            />
            <span>{formatNumber(Math.round(entry.opacity * 100), 0)} %</span>
          </label>
          {rows.length > 1 && (
            <ul className="swatches catalog-legend" aria-label={t('catalog.legend')}>
              {rows.map((r) => (
                <li key={`${r.color}-${r.label}`}>
                  <span className="swatch" style={{ background: r.color }} />
                  {r.label}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {entry.owner === 'private' && (
        <button type="button" className="link" onClick={() => controller.removePrivate(info.id)}>
          {t('catalog.private.remove')}
        </button>
      )}
      {cardOpen && (
        <dl className="catalog-card" data-testid="catalog-card">
          {info.description && <p>{localText(info.description)}</p>}
          <Row label="catalog.meta.kind" value={t(`catalog.kind.${info.kind}` as MessageId)} />
          <Row label="catalog.meta.source" value={info.source} />
          <Row
            label="catalog.meta.licence"
            value={info.licence === 'unknown' ? t('catalog.meta.unknown') : info.licence}
          />
          <Row label="catalog.meta.crs" value={info.crsOfOrigin} />
          <Row
            label="catalog.meta.validity"
            value={
              info.validTo
                ? t('catalog.meta.validRange', {
                    from: formatDay(info.validFrom),
                    to: formatDay(info.validTo),
                  })
                : t('catalog.meta.validOpen', { from: formatDay(info.validFrom) })
            }
          />
          <Row label="catalog.meta.updated" value={formatDateTime(info.updatedAt)} />
          {info.featureCount !== undefined && (
            <Row label="catalog.meta.features" value={formatNumber(info.featureCount, 0)} />
          )}
          <Row
            label="catalog.meta.visibility"
            value={t(`catalog.visibility.${info.visibility}` as MessageId)}
          />
          {entry.owner === 'twin' && <p className="muted">{t('catalog.twinOwned')}</p>}
        </dl>
      )}
    </div>
  );
}

function Row({ label, value }: { label: MessageId; value: string }) {
  return (
    <div className="row">
      <dt>{t(label)}</dt>
      <dd>{value}</dd>
    </div>
  );
}
