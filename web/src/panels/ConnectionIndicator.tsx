import { t } from '../i18n';
import type { ConnectionStatus } from '../overlays/feed-client';
import { formatTimeSeconds } from '../overlays/format';

const LABEL = {
  connecting: 'overlays.connection.connecting',
  connected: 'overlays.connection.connected',
  stale: 'overlays.connection.stale',
  reconnecting: 'overlays.connection.reconnecting',
  offline: 'overlays.connection.offline',
} as const;

/** Live-data connection state, always visible: an operator must know when the picture is old. */
export function ConnectionIndicator({
  status,
  lastMessageAt,
}: {
  status: ConnectionStatus;
  lastMessageAt: number;
}) {
  return (
    <output
      className={`panel connection-indicator ${status}`}
      data-testid="connection"
      data-status={status}
      aria-label={t('overlays.connection.label')}
      title={
        lastMessageAt ? t('overlays.connection.lastUpdate', { time: formatTimeSeconds(lastMessageAt) }) : ''
      }
    >
      <span className="dot" aria-hidden="true" />
      {t(LABEL[status])}
    </output>
  );
}
