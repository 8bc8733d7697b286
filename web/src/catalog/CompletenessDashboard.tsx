import { formatNumber, localText, localTextOf, t } from '../i18n';
import { SECTOR_IDS, SECTORS, type SectorId } from './contracts';
import { type CatalogController, COMPLETENESS_BREAKS } from './controller';
import { formatShare } from './format';

/** Background for a share: the completeness map's colour, so table and map read alike. */
function shareColor(share: number): string {
  let color: string = COMPLETENESS_BREAKS[0].color;
  for (const b of COMPLETENESS_BREAKS) if (share >= b.min) color = b.color;
  return color;
}

/** CSV of the table as shown (vi-VN numbers would clash with the comma separator: plain dots). */
export function completenessCsvText(controller: CatalogController): string {
  const table = controller.completeness;
  if (!table) return '';
  const titles = SECTORS.map((s) => localText(s.title));
  const head = [t('completeness.ward'), t('completeness.area'), ...titles, t('completeness.overall')];
  const pct = (v: number) => (Math.round(v * 1000) / 10).toFixed(1);
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = table.units.map((u) =>
    [u.name, (u.areaM2 / 1e6).toFixed(2), ...SECTOR_IDS.map((s) => pct(u.sectors[s].share)), pct(u.overall)]
      .map((v) => quote(String(v)))
      .join(','),
  );
  return `\uFEFF${[head.map(quote).join(','), ...rows].join('\r\n')}\r\n`;
}

function download(text: string, name: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/** Per ward and sector: share covered, which layers, a map colouring wards, CSV export. */
export function CompletenessDashboard({
  controller,
  onClose,
}: {
  controller: CatalogController;
  onClose(): void;
}) {
  const table = controller.completeness;
  const title = (id: string) => localTextOf(controller.entry(id)?.info.title, id);
  return (
    <section className="panel completeness" aria-label={t('completeness.heading')} data-testid="completeness">
      <header>
        <h2>{t('completeness.heading')}</h2>
        <label className="map-choice">
          {t('completeness.map')}
          <select
            value={controller.mapSector ?? ''}
            onChange={(e) =>
              void controller.showCompletenessMap((e.target.value || null) as SectorId | 'overall' | null)
            }
            data-testid="completeness-map"
          >
            <option value="">{t('completeness.map.off')}</option>
            <option value="overall">{t('completeness.map.overall')}</option>
            {SECTORS.map((s) => (
              <option key={s.id} value={s.id}>
                {localText(s.title)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => download(completenessCsvText(controller), 'muc-do-day-du.csv')}
          disabled={!table?.units.length}
          data-testid="completeness-export"
        >
          {t('completeness.export')}
        </button>
        <button type="button" className="close" onClick={onClose} aria-label={t('catalog.close')}>
          ×
        </button>
      </header>
      {!table && <p className="muted">{t('completeness.loading')}</p>}
      {table && table.units.length === 0 && <p className="muted">{t('completeness.none')}</p>}
      {table && table.units.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('completeness.ward')}</th>
                <th className="num">{t('completeness.area')}</th>
                {SECTORS.map((s) => (
                  <th key={s.id} className="num">
                    {localText(s.title)}
                  </th>
                ))}
                <th className="num">{t('completeness.overall')}</th>
              </tr>
            </thead>
            <tbody>
              {table.units.map((u) => (
                <tr key={u.id} data-unit={u.id}>
                  <th scope="row">{u.name}</th>
                  <td className="num">{formatNumber(u.areaM2 / 1e6, 2)}</td>
                  {SECTOR_IDS.map((s) => {
                    const c = u.sectors[s];
                    return (
                      <td
                        key={s}
                        className="num share"
                        data-sector={s}
                        data-share={c.share}
                        style={{ background: `${shareColor(c.share)}55` }}
                        title={
                          c.layers.length
                            ? t('completeness.layers', {
                                layers: c.layers
                                  .map((l) => `${title(l.id)} ${formatShare(l.share)}`)
                                  .join('; '),
                              })
                            : ''
                        }
                      >
                        {formatShare(c.share)}
                      </td>
                    );
                  })}
                  <td className="num share" data-sector="overall" data-share={u.overall}>
                    <strong>{formatShare(u.overall)}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t('completeness.total')}</th>
                <td className="num">
                  {formatNumber(table.units.reduce((a, u) => a + u.areaM2, 0) / 1e6, 2)}
                </td>
                {SECTOR_IDS.map((s) => (
                  <td key={s} className="num" data-sector={s}>
                    {formatShare(table.totals[s])}
                  </td>
                ))}
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      <p className="muted note">{t('completeness.note')}</p>
      {table && table.skipped.length > 0 && (
        <p className="muted note">
          {t('completeness.skipped', { layers: table.skipped.map((s) => title(s.id)).join(', ') })}
        </p>
      )}
    </section>
  );
}
