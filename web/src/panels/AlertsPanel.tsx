import { t } from '../i18n';
import type { AlertItem } from '../overlays/alerts';
import { formatDateTime, formatTime } from '../overlays/format';

interface Props {
  alerts: AlertItem[];
  /** Set while replaying: the list is the alerts active at that moment (nothing to acknowledge). */
  replayAt: number | null;
  onGoTo(key: string): void;
  onAcknowledge(ackId: string): void;
}

/** Alerts with severity and time; click one to fly there, "Đã xem" to acknowledge it. */
export function AlertsPanel({ alerts, replayAt, onGoTo, onAcknowledge }: Props) {
  const title =
    replayAt === null
      ? t('overlays.alerts.title')
      : t('overlays.alerts.replayTitle', { time: formatTime(replayAt) });
  return (
    <section className="panel alerts-panel" aria-labelledby="alerts-title" data-testid="alerts-panel">
      <header>
        <h2 id="alerts-title">{title}</h2>
        {replayAt === null && alerts.length > 0 && (
          <span className="count">{t('overlays.alerts.count', { count: alerts.length })}</span>
        )}
      </header>
      {alerts.length === 0 ? (
        <p className="empty">{t('overlays.alerts.none')}</p>
      ) : (
        <ul>
          {alerts.map((a) => (
            <li
              key={a.key}
              className={`alert ${a.severity}${a.active ? '' : ' cleared'}`}
              data-alert-key={a.key}
              data-severity={a.severity}
            >
              <button
                type="button"
                className="goto"
                onClick={() => onGoTo(a.key)}
                title={t('overlays.alerts.goto')}
              >
                <span className="badge">{t(`overlays.alerts.severity.${a.severity}`)}</span>
                <span className="kind">{t(`overlays.alerts.kind.${a.kind}`)}</span>
                <time dateTime={a.raisedAt}>{formatDateTime(a.raisedAt)}</time>
                <span className="message">
                  {a.messageVi}
                  {!a.active && <em> — {t('overlays.alerts.cleared')}</em>}
                </span>
              </button>
              {replayAt === null && (
                <button
                  type="button"
                  className="ack"
                  onClick={() => onAcknowledge(a.ackId)}
                  title={t('overlays.alerts.ackTitle')}
                >
                  {t('overlays.alerts.ack')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
