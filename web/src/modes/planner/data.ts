import type { ScenarioInfo, ScenarioMetrics, SunHoursGrid } from '../../../../tiler/src/api/planning.js';
import { inLang } from '../../i18n';
import type { ScenarioData } from './plannerScene';

/** `GET /api/scenarios` and each scenario's metrics and sun hours (relative to the app's base). */

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, signal ? { signal } : {});
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${url})`);
  return (await res.json()) as T;
}

export async function fetchScenarios(signal?: AbortSignal): Promise<ScenarioInfo[]> {
  const list = await getJson<unknown>(`${import.meta.env.BASE_URL}api/scenarios`, signal);
  if (!Array.isArray(list)) throw new Error('/api/scenarios: expected a JSON array');
  return list as ScenarioInfo[];
}

const cache = new Map<string, Promise<ScenarioData>>();

/** Metrics (and sun hours, when computed) of a scenario, fetched once per page. */
export function loadScenario(info: ScenarioInfo): Promise<ScenarioData> {
  let p = cache.get(info.id);
  if (!p) {
    p = (async () => {
      const sunLayer = info.layers.find((l) => l.kind === 'sun-hours');
      const [metrics, sunHours] = await Promise.all([
        getJson<ScenarioMetrics>(info.metricsUrl),
        sunLayer ? getJson<SunHoursGrid>(sunLayer.url) : Promise.resolve(undefined),
      ]);
      const violatingBuildingIds = [
        ...new Set(metrics.parcels.flatMap((p) => p.violations.flatMap((v) => v.buildingIds ?? []))),
      ];
      return { info, metrics, ...(sunHours ? { sunHours } : {}), violatingBuildingIds };
    })();
    p.catch(() => cache.delete(info.id));
    cache.set(info.id, p);
  }
  return p;
}

/** A scenario's title in the UI's language (the manifest's `en`, else the Vietnamese). */
export function scenarioTitle(info: Pick<ScenarioInfo, 'title' | 'en'>): string {
  return inLang(info.title, info.en?.title);
}

/** A scenario's description in the UI's language. */
export function scenarioDescription(info: Pick<ScenarioInfo, 'description' | 'en'>): string {
  return inLang(info.description, info.en?.description);
}
