import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { HistoryResponse } from '../api';
import { formatNumber, t } from '../i18n';
import { TIME_ZONE } from '../overlays/format';

interface Props {
  datastreamId: number;
  /** Unit symbol for the axis and legend (data from the hub: µg/m³, m, mm). */
  unit: string;
  /** End of the 24-hour window (replay moment), or undefined for now. */
  toMs?: number;
  /** Horizontal lines (alarm levels I/II/III) with their colours. */
  thresholds?: { value: number; colour: string; label: string }[];
  colour?: string;
}

const WIDTH = 300;
const HEIGHT = 125;

/** 24-hour history of one datastream (`/api/history`), drawn with uPlot. */
export function HistoryChart({ datastreamId, unit, toMs, thresholds = [], colour = '#4FC3F7' }: Props) {
  const box = useRef<HTMLDivElement>(null);
  /** The drawn chart: kept across the minute refreshes (new data swapped in, no flicker). */
  const plotRef = useRef<uPlot | undefined>(undefined);
  useEffect(
    () => () => {
      plotRef.current?.destroy();
      plotRef.current = undefined;
    },
    [],
  );
  const [state, setState] = useState<'loading' | 'empty' | 'ready' | { error: string }>('loading');
  // Live charts move on with the data: refetched every minute (the 1-minute roll-ups' pace).
  const [minute, setMinute] = useState(0);
  useEffect(() => {
    if (toMs !== undefined) return;
    const timer = setInterval(() => setMinute((m) => m + 1), 60_000);
    return () => clearInterval(timer);
  }, [toMs]);

  // Callers build the thresholds array afresh on every data update; refetch only when it changes.
  const thresholdsKey = JSON.stringify(thresholds);
  useEffect(() => {
    const lines = JSON.parse(thresholdsKey) as NonNullable<Props['thresholds']>;
    const abort = new AbortController();
    const refresh = minute > 0 && plotRef.current !== undefined;
    if (!refresh) setState('loading');
    const q = new URLSearchParams({ datastream: String(datastreamId) });
    if (toMs !== undefined) {
      q.set('to', new Date(toMs).toISOString());
      q.set('from', new Date(toMs - 24 * 3_600_000).toISOString());
    }
    fetch(`${import.meta.env.BASE_URL}api/history?${q}`, { signal: abort.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const h = (await res.json()) as HistoryResponse;
        if (abort.signal.aborted || !box.current) return;
        const xs = h.points.map((p) => Date.parse(p.time) / 1000);
        const ys = h.points.map((p) => p.value);
        const data: uPlot.AlignedData = [xs, ys, ...lines.map((th) => xs.map(() => th.value))];
        const range: [number, number] = [Date.parse(h.from) / 1000, Date.parse(h.to) / 1000];
        if (refresh && plotRef.current && h.points.length > 0) {
          plotRef.current.batch(() => {
            plotRef.current!.setData(data);
            plotRef.current!.setScale('x', { min: range[0], max: range[1] });
          });
          return;
        }
        plotRef.current?.destroy();
        plotRef.current = undefined;
        if (h.points.length === 0) {
          setState('empty');
          return;
        }
        plotRef.current = new uPlot(
          {
            width: WIDTH,
            height: HEIGHT,
            tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), TIME_ZONE),
            legend: { show: false },
            cursor: { drag: { x: false, y: false } },
            // The whole 24-hour window, however much of it has data.
            scales: { x: { time: true, range } },
            axes: [
              { stroke: '#c9d1dc', grid: { stroke: 'rgba(255,255,255,0.08)' }, values: '{HH}:{mm}' },
              {
                stroke: '#c9d1dc',
                grid: { stroke: 'rgba(255,255,255,0.08)' },
                size: 46,
                values: (_u, splits) => splits.map((v) => formatNumber(v, 2)),
                label: unit,
                labelSize: 14,
              },
            ],
            series: [
              {},
              { stroke: colour, width: 1.5, fill: `${colour}22`, label: unit },
              ...lines.map((th) => ({ stroke: th.colour, width: 1, dash: [4, 3], label: th.label })),
            ],
          },
          data,
          box.current,
        );
        setState('ready');
      })
      .catch((e: Error) => {
        if (!abort.signal.aborted) setState({ error: e.message });
      });
    return () => abort.abort();
  }, [datastreamId, unit, toMs, thresholdsKey, colour, minute]);

  return (
    <div
      className="history-chart"
      data-testid="history-chart"
      data-state={typeof state === 'string' ? state : 'error'}
    >
      <div ref={box} />
      {state === 'loading' && <p className="note">{t('overlays.sensor.chartLoading')}</p>}
      {state === 'empty' && <p className="note">{t('overlays.sensor.chartEmpty')}</p>}
      {typeof state === 'object' && (
        <p className="note error">{t('overlays.sensor.chartError', { message: state.error })}</p>
      )}
    </div>
  );
}
