import 'cesium/Build/Cesium/Widgets/widgets.css';
// Be Vietnam Pro, self-hosted (bundled woff2, no font CDN); each weight's CSS covers the
// Vietnamese, Latin and Latin-ext subsets by unicode-range, so a browser fetches only what a page uses.
import '@fontsource/be-vietnam-pro/400.css';
import '@fontsource/be-vietnam-pro/600.css';
import '@fontsource/be-vietnam-pro/700.css';
import './app.css';
import { type ComponentType, lazy, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { t } from './i18n';
import { preloadUiFont } from './i18n/font';
import { I18nRoot } from './i18n/LanguageSwitch';

/**
 * One page, several modes by path: `/` the city viewer, `/planner` scenario comparison. A mode
 * is a component loaded on demand; add `/ops`, `/kiosk` here. The service answers every such
 * path with this page (serve/server.ts).
 */
const MODES: Readonly<Record<string, ComponentType>> = {
  '/': App,
  '/planner': lazy(() => import('./modes/planner/PlannerApp').then((m) => ({ default: m.PlannerApp }))),
  '/ops': lazy(() => import('./modes/ops/OpsApp').then((m) => ({ default: m.OpsApp }))),
  '/kiosk': lazy(() => import('./modes/kiosk/KioskApp').then((m) => ({ default: m.KioskApp }))),
};

const route = window.location.pathname.replace(/\/+$/, '') || '/';
const Mode = MODES[route] ?? App;

// The first title; each mode keeps it in the active language with useDocumentTitle.
document.title = route === '/planner' ? `${t('planner.title')} — ${t('app.title')}` : t('app.title');
preloadUiFont();
const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <Suspense fallback={null}>
    {/* Re-renders the mode on a language switch (no remount: the Cesium viewer stays). */}
    <I18nRoot>{() => <Mode />}</I18nRoot>
  </Suspense>,
);
