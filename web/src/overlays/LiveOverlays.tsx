import { useSyncExternalStore } from 'react';
import { AlertsPanel } from '../panels/AlertsPanel';
import { ConnectionIndicator } from '../panels/ConnectionIndicator';
import { FeedEntityPanel } from '../panels/FeedEntityPanel';
import { OverlayLegend } from '../panels/OverlayLegend';
import { ReplayBar } from '../panels/ReplayBar';
import type { OverlayController } from './controller';

/**
 * The overlays' UI: connection state (top right), a right-hand column with the clicked
 * sensor/segment/bus, the alert list and the live legend, and the replay bar (bottom). The
 * column moves down while the building panel (same corner) is open.
 */
export function LiveOverlays({
  controller,
  buildingPanelOpen,
}: {
  controller: OverlayController;
  buildingPanelOpen: boolean;
}) {
  const view = useSyncExternalStore(controller.subscribe, controller.getView);
  if (!view.available) return null;
  return (
    <>
      <ConnectionIndicator status={view.connection} lastMessageAt={view.lastMessageAt} />
      <div className={`overlay-column${buildingPanelOpen ? ' below-building' : ''}`}>
        {view.selected && (
          <FeedEntityPanel
            entity={view.selected}
            replayAt={view.replayAt}
            onClose={() => controller.select(null)}
          />
        )}
        <AlertsPanel
          alerts={view.alerts}
          replayAt={view.replayAt}
          onGoTo={(key) => void controller.flyToAlert(key)}
          onAcknowledge={(id) => controller.acknowledge(id)}
        />
        <OverlayLegend
          visible={view.visible}
          counts={view.counts}
          onToggle={(layer, show) => controller.setLayerVisible(layer, show)}
        />
      </div>
      <ReplayBar
        replayAt={view.replayAt}
        loading={view.replayLoading}
        error={view.replayError}
        onSeek={(at) => void controller.seek(at)}
        onLive={() => controller.live()}
      />
    </>
  );
}
