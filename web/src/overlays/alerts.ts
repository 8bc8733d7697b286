import type { AlertAck } from '../../../tiler/src/api/feeds.js';
import type { AlertState } from '../api';

/**
 * The alert list an operator works through. The hub raises and clears alerts (VN_AQI band ≥ 4,
 * flood alarm I–III, a sensor silent > 10 min); it has no notion of "seen". Here an alert stays
 * listed until someone acknowledges it — even after the hub clears it, so a flood peak at 3 am
 * is still on the wall at 7 am. Here (the city viewer) acknowledgements are kept in the browser,
 * keyed by the raise, so an escalation (II → III) or a new raise after clearing shows again. The
 * operations centre (/ops) acknowledges on the hub instead (`POST /api/alerts/:key/ack`): the
 * hub's `ack` arrives with the alert state and is carried on the item.
 */

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertItem {
  key: string;
  /** Identifies this raise of the alert: acknowledging it hides this raise only. */
  ackId: string;
  kind: AlertState['kind'];
  level: number;
  severity: Severity;
  /** False once the hub cleared it (still listed until acknowledged). */
  active: boolean;
  /** When it was raised (ISO). */
  raisedAt: string;
  subject: string;
  messageVi: string;
  messageEn: string;
  lonDeg: number;
  latDeg: number;
  /** Who acknowledged this raise on the hub, and when (the operations centre's acknowledge). */
  ack?: AlertAck;
}

export function severityOf(a: Pick<AlertState, 'kind' | 'level'>): Severity {
  if (a.kind === 'flood') return a.level >= 3 ? 'critical' : 'warning';
  if (a.kind === 'air') return a.level >= 5 ? 'critical' : 'warning';
  return 'info';
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function ackIdOf(a: Pick<AlertState, 'key' | 'level' | 'time'>): string {
  return `${a.key}|${a.level}|${a.time}`;
}

/** Active first, then by severity, then newest first. */
export function compareAlerts(a: AlertItem, b: AlertItem): number {
  if (a.active !== b.active) return a.active ? -1 : 1;
  const s = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  if (s !== 0) return s;
  return b.raisedAt.localeCompare(a.raisedAt);
}

export class AlertBook {
  /** The last raise of each alert key this viewer saw (cleared ones included until acked). */
  private readonly raised = new Map<string, AlertItem>();
  readonly acknowledged: Set<string>;

  constructor(acknowledged: Iterable<string> = []) {
    this.acknowledged = new Set(acknowledged);
  }

  /** Applies alert states from the hub (a snapshot passes `reset`: missing keys are dropped). */
  update(alerts: readonly AlertState[], reset = false): void {
    if (reset) {
      const keep = new Set(alerts.map((a) => a.key));
      // An alert gone from a snapshot was cleared while we were away: keep it if unacknowledged.
      for (const [key, item] of this.raised) if (!keep.has(key)) item.active = false;
    }
    for (const a of alerts) {
      const prev = this.raised.get(a.key);
      if (a.active) {
        if (prev?.active && prev.level === a.level) {
          if (a.ack) prev.ack = a.ack;
          else delete prev.ack;
          continue;
        }
        this.raised.set(a.key, {
          key: a.key,
          ackId: ackIdOf(a),
          kind: a.kind,
          level: a.level,
          severity: severityOf(a),
          active: true,
          raisedAt: a.time,
          subject: a.subject,
          messageVi: a.messageVi,
          messageEn: a.messageEn,
          lonDeg: a.lonDeg,
          latDeg: a.latDeg,
          ...(a.ack ? { ack: a.ack } : {}),
        });
      } else if (prev) {
        // Cleared by the hub: listed (as cleared) until acknowledged.
        prev.active = false;
        if (a.ack) prev.ack = a.ack;
      }
    }
  }

  acknowledge(ackId: string): void {
    this.acknowledged.add(ackId);
    for (const [key, item] of this.raised) {
      if (item.ackId === ackId && !item.active) this.raised.delete(key);
    }
  }

  /**
   * What the list shows, sorted: raises not acknowledged in this browser; a cleared raise also
   * goes once acknowledged on the hub (an active one stays, showing who acknowledged it).
   */
  items(): AlertItem[] {
    return [...this.raised.values()]
      .filter((i) => !this.acknowledged.has(i.ackId) && (i.active || !i.ack))
      .sort(compareAlerts);
  }

  get(key: string): AlertItem | undefined {
    return this.raised.get(key);
  }
}

/** Alerts as they were at a replayed moment: the active ones, no acknowledgement state. */
export function replayAlertItems(alerts: readonly AlertState[]): AlertItem[] {
  const book = new AlertBook();
  book.update(alerts.filter((a) => a.active));
  return book.items();
}
