import type { AlertState } from '../../api';

/**
 * Acknowledging an alert on the hub (`POST /api/alerts/:key/ack`, tiler/src/feeds/routes.ts) and
 * remembering who the operator at this wall is. The name is asked once and kept in
 * localStorage; when the service gets sign-in (issue 9) the hub takes the user from the session
 * and the name here is only shown.
 */

export const OPERATOR_STORAGE_KEY = 'bdtwin.ops.operator';

export function loadOperator(): string | null {
  try {
    const name = window.localStorage.getItem(OPERATOR_STORAGE_KEY)?.trim();
    return name ? name : null;
  } catch {
    return null;
  }
}

export function saveOperator(name: string): void {
  try {
    window.localStorage.setItem(OPERATOR_STORAGE_KEY, name.trim());
  } catch {
    /* storage blocked: asked again next time */
  }
}

/** Resolves with the acknowledged alert; rejects with the hub's error message. */
export async function acknowledgeAlert(base: string, key: string, by: string): Promise<AlertState> {
  const res = await fetch(`${base.replace(/\/?$/, '/')}api/alerts/${encodeURIComponent(key)}/ack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ by }),
  });
  const json = (await res.json().catch(() => ({}))) as { alert?: AlertState; error?: string };
  if (!res.ok || !json.alert) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json.alert;
}
