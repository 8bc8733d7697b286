import 'cesium/Build/Cesium/Widgets/widgets.css';
import './app.css';
import { type ComponentType, lazy, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { t } from './i18n';

/**
 * One page, several modes by path: `/` the city viewer, `/planner` scenario comparison. A mode
 * is a component loaded on demand; add `/ops`, `/kiosk` here. The service answers every such
 * path with this page (serve/server.ts).
 */
const MODES: Readonly<Record<string, ComponentType>> = {
  '/': App,
  '/planner': lazy(() => import('./modes/planner/PlannerApp').then((m) => ({ default: m.PlannerApp }))),
};

const route = window.location.pathname.replace(/\/+$/, '') || '/';
const Mode = MODES[route] ?? App;

document.title = route === '/planner' ? `${t('planner.title')} — ${t('app.title')}` : t('app.title');
const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <Suspense fallback={null}>
    <Mode />
  </Suspense>,
);
