import './catalog.css';
import { type RefObject, useEffect, useReducer, useRef, useState } from 'react';
import { formatNumber, localText, t } from '../i18n';
import type { LoadPhase, TwinScene } from '../scene/twinScene';
import { catalogUrlSync } from '../state/appUrlSync';
import { CatalogPanel } from './CatalogPanel';
import { CompletenessDashboard } from './CompletenessDashboard';
import { CatalogController } from './controller';
import { DateControl } from './DateControl';
import { DropError, parseDroppedFile } from './drop';
import { installCatalogHooks } from './testHooks';

/**
 * Everything the catalogue adds to the city viewer, in one component App renders: the toggle
 * buttons, the catalogue panel, the date control, the completeness dashboard, the click panel for
 * catalogue features and the drop zone for private files. It waits for the scene (phase past
 * `layers`), then owns a CatalogController.
 */
export function CatalogUi({ twinRef, phase }: { twinRef: RefObject<TwinScene | null>; phase: LoadPhase }) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [controller, setController] = useState<CatalogController | null>(null);
  const [panelOpen, setPanelOpen] = useState(false);
  const [dashboardOpen, setDashboardOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  // The notice's text is made at render (`text()`), so it follows a language switch.
  const [notice, setNotice] = useState<{ text: () => string; error: boolean } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const twin = phase === 'layers' ? null : twinRef.current;
  useEffect(() => {
    if (!twin) return;
    // The shown layers follow the shareable URL (web/src/state/appUrlSync.ts).
    const urlSync = catalogUrlSync();
    const c: CatalogController = new CatalogController(twin, () => {
      rerender();
      urlSync.changed(c);
    });
    setController(c);
    const uninstall = installCatalogHooks(c, {
      openPanel: setPanelOpen,
      openDashboard: setDashboardOpen,
    });
    void c.start();
    return () => {
      uninstall();
      c.destroy();
      setController(null);
    };
  }, [twin]);

  const addFiles = async (files: FileList | File[]) => {
    if (!controller) return;
    for (const file of Array.from(files)) {
      try {
        const dropped = await parseDroppedFile(
          file.name,
          new Uint8Array(await file.arrayBuffer()),
          controller.date,
        );
        await controller.addPrivate(dropped.collection, dropped.info);
        const count = dropped.collection.features.length;
        setNotice({ text: () => t('catalog.drop.added', { name: file.name, count }), error: false });
        setPanelOpen(true);
      } catch (e) {
        const message = String((e as Error).message ?? e);
        setNotice({ text: e instanceof DropError ? () => e.text() : () => message, error: true });
      }
    }
  };

  useEffect(() => {
    if (!controller) return;
    // The whole page is the drop target: a planner drags a file onto the map.
    const over = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      setDragging(false);
      if (e.dataTransfer?.files.length) void addFiles(e.dataTransfer.files);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  });

  if (!controller) return null;
  const selected = controller.selected;
  // The layer's title in the active language (the stored one is the language at pick time).
  const selectedLayer = selected ? controller.entry(selected.layerId) : undefined;
  const selectedTitle = selectedLayer ? localText(selectedLayer.info.title) : selected?.title;
  return (
    <>
      <div className="catalog-buttons">
        <button
          type="button"
          aria-pressed={panelOpen}
          onClick={() => setPanelOpen(!panelOpen)}
          data-testid="catalog-open"
        >
          {t('catalog.open')}
        </button>
        <button
          type="button"
          aria-pressed={dashboardOpen}
          onClick={() => setDashboardOpen(!dashboardOpen)}
          data-testid="completeness-open"
        >
          {t('completeness.open')}
        </button>
        <button type="button" onClick={() => fileInput.current?.click()}>
          {t('catalog.drop.choose')}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".geojson,.json,.zip"
          hidden
          data-testid="catalog-file"
          onChange={(e) => {
            if (e.target.files) void addFiles(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      {panelOpen && (
        <div className="catalog-column">
          <CatalogPanel controller={controller} onClose={() => setPanelOpen(false)} />
          <DateControl controller={controller} />
        </div>
      )}
      {dashboardOpen && (
        <CompletenessDashboard controller={controller} onClose={() => setDashboardOpen(false)} />
      )}
      {selected && (
        <section className="panel catalog-feature" aria-label={selectedTitle} data-testid="catalog-feature">
          <header>
            <h2>{selectedTitle}</h2>
            <button
              type="button"
              className="close"
              onClick={() => controller.clearSelection()}
              aria-label={t('catalog.feature.close')}
            >
              ×
            </button>
          </header>
          <dl>
            {Object.entries(selected.properties)
              .filter(([, v]) => v !== null && v !== undefined && v !== '' && typeof v !== 'object')
              .map(([k, v]) => (
                <div className="row" key={k}>
                  <dt>{k}</dt>
                  <dd>{typeof v === 'number' ? formatNumber(v, 2) : String(v)}</dd>
                </div>
              ))}
          </dl>
        </section>
      )}
      {notice && (
        <button
          type="button"
          className={`panel catalog-notice${notice.error ? ' error' : ''}`}
          onClick={() => setNotice(null)}
          data-testid="catalog-notice"
        >
          {notice.text()}
        </button>
      )}
      {dragging && <div className="catalog-drop">{t('catalog.drop.over')}</div>}
    </>
  );
}
