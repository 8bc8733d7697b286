import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { formatDateTime, formatTime } from '../overlays/format';
import { clampReplayTime, REPLAY_STEP_MS, REPLAY_WINDOW_MS } from '../overlays/replay';

interface Props {
  replayAt: number | null;
  loading: boolean;
  error: string | null;
  onSeek(atMs: number): void;
  onLive(): void;
}

/** While dragging, a seek at most this often (each aborts the previous; the last one wins). */
const SCRUB_INTERVAL_MS = 120;

/** A slider over the last 24 hours; "Trực tiếp" returns to now. */
export function ReplayBar({ replayAt, loading, error, onSeek, onLive }: Props) {
  const [now, setNow] = useState(() => Date.now());
  const [dragAt, setDragAt] = useState<number | null>(null);
  const lastSeek = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => {
      clearInterval(timer);
      clearTimeout(pending.current);
    };
  }, []);
  const max = Math.floor(now / REPLAY_STEP_MS) * REPLAY_STEP_MS;
  const min = max - REPLAY_WINDOW_MS;
  const shown = dragAt ?? replayAt ?? max;

  const seek = (at: number) => {
    setDragAt(at);
    clearTimeout(pending.current);
    const wait = SCRUB_INTERVAL_MS - (performance.now() - lastSeek.current);
    const go = () => {
      lastSeek.current = performance.now();
      setDragAt(null);
      onSeek(clampReplayTime(at, Date.now()));
    };
    if (wait <= 0) go();
    else pending.current = setTimeout(go, wait);
  };

  return (
    <section
      className={`panel replay-bar${replayAt === null ? ' live' : ' replaying'}`}
      aria-label={t('overlays.replay.label')}
      data-testid="replay-bar"
      data-mode={replayAt === null ? 'live' : 'replay'}
    >
      <div className="replay-row">
        <span className="replay-state">
          {replayAt === null
            ? t('overlays.replay.liveNow')
            : t('overlays.replay.at', { time: formatDateTime(shown) })}
          {loading && <em> {t('overlays.replay.loading')}</em>}
        </span>
        <button type="button" className="live-button" onClick={onLive} disabled={replayAt === null}>
          {t('overlays.replay.live')}
        </button>
      </div>
      <input
        type="range"
        min={min}
        max={max}
        step={REPLAY_STEP_MS}
        value={Math.min(max, Math.max(min, shown))}
        aria-label={t('overlays.replay.slider')}
        aria-valuetext={formatDateTime(shown)}
        onChange={(e) => seek(Number(e.target.value))}
      />
      <div className="replay-scale" aria-hidden="true">
        <span>{formatTime(min)}</span>
        <span>{formatTime(min + REPLAY_WINDOW_MS / 2)}</span>
        <span>{formatTime(max)}</span>
      </div>
      {error && <p className="error">{t('overlays.replay.error', { message: error })}</p>}
    </section>
  );
}
