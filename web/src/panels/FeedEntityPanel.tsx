import { type ReactNode, useEffect, useState } from 'react';
import {
  type AirStationState,
  type AqiPollutant,
  aqiBandOf,
  type FeedEntity,
  type TrafficSegmentState,
  type VehicleState,
  type WaterGaugeState,
} from '../api';
import { formatNumber, type MessageId, t } from '../i18n';
import { formatDateTime } from '../overlays/format';
import { GAUGE_COLOURS } from '../overlays/sensors';
import { trafficClass } from '../overlays/traffic';
import { HistoryChart } from './HistoryChart';

interface Props {
  entity: FeedEntity;
  /** The replayed moment, when replaying (values and chart end there). */
  replayAt: number | null;
  onClose(): void;
}

const POLLUTANTS: AqiPollutant[] = ['pm25', 'pm10', 'no2', 'co', 'o3', 'so2'];

/** Sensor, road segment or bus clicked on the map: latest values, and a 24-hour chart for sensors. */
export function FeedEntityPanel({ entity, replayAt, onClose }: Props) {
  let title: string;
  let body: ReactNode;
  switch (entity.layer) {
    case 'air':
      title = t('overlays.sensor.airTitle');
      body = <AirBody e={entity} replayAt={replayAt} />;
      break;
    case 'water':
      title = t('overlays.sensor.waterTitle');
      body = <WaterBody e={entity} replayAt={replayAt} />;
      break;
    case 'traffic':
      title = t('overlays.traffic.title', { id: entity.segmentId });
      body = <TrafficBody e={entity} />;
      break;
    case 'vehicles':
      title = t('overlays.vehicle.title');
      body = <VehicleBody e={entity} />;
      break;
    default:
      return null;
  }
  return (
    <section
      className="panel feed-panel"
      aria-labelledby="feed-panel-title"
      data-testid="feed-panel"
      data-key={entity.key}
    >
      <header>
        <h2 id="feed-panel-title">{title}</h2>
        <button
          type="button"
          className="close"
          onClick={onClose}
          aria-label={t('overlays.close')}
          title={t('overlays.close')}
        >
          ×
        </button>
      </header>
      {replayAt !== null && (
        <p className="replay-note">{t('overlays.sensor.replayNote', { time: formatDateTime(replayAt) })}</p>
      )}
      {body}
    </section>
  );
}

function Rows({ rows }: { rows: [string, string, ReactNode][] }) {
  return (
    <dl>
      {rows.map(([key, label, value]) => (
        <div key={key} className="row" data-field={key}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function common(e: FeedEntity): [string, string, ReactNode][] {
  return [
    ['time', t('overlays.sensor.time'), formatDateTime(e.time)],
    [
      'status',
      t('overlays.sensor.status'),
      <span key="s" className={e.freshness}>
        {t(e.freshness === 'stale' ? 'overlays.sensor.stale' : 'overlays.sensor.fresh')}
      </span>,
    ],
  ];
}

function AirBody({ e, replayAt }: { e: AirStationState; replayAt: number | null }) {
  const band = e.aqi ? aqiBandOf(e.aqi.aqi) : undefined;
  const rows: [string, string, ReactNode][] = [
    ['name', t('overlays.sensor.name'), e.name],
    ...(e.code ? ([['code', t('overlays.sensor.code'), e.code]] as [string, string, ReactNode][]) : []),
    [
      'aqi',
      t('overlays.sensor.aqi'),
      e.aqi && band ? (
        <span key="aqi" className="aqi-value">
          <span className="chip" style={{ background: band.colour }} />
          {e.aqi.aqi} — {band.labelVi}
        </span>
      ) : (
        t('overlays.sensor.noAqi')
      ),
    ],
    ...(e.aqi
      ? ([['dominant', t('overlays.sensor.dominant'), t(pollutantLabel(e.aqi.dominant))]] as [
          string,
          string,
          ReactNode,
        ][])
      : []),
    ...POLLUTANTS.filter((p) => e.valuesUgM3[p] !== undefined).map(
      (p) =>
        [p, t(pollutantLabel(p)), t('overlays.unit.ugm3', { value: formatNumber(e.valuesUgM3[p]!) })] as [
          string,
          string,
          ReactNode,
        ],
    ),
    ...common(e),
  ];
  return (
    <>
      <Rows rows={rows} />
      <DatastreamChart thingId={e.thingId} prefer={['PM2.5', 'PM10']} replayAt={replayAt} />
    </>
  );
}

function WaterBody({ e, replayAt }: { e: WaterGaugeState; replayAt: number | null }) {
  const th = e.alarmThresholdsM;
  const rows: [string, string, ReactNode][] = [
    ['name', t('overlays.sensor.name'), e.name],
    [
      'level',
      t('overlays.sensor.level'),
      e.levelM === undefined ? '–' : t('overlays.unit.m', { value: formatFixed(e.levelM, 2) }),
    ],
    [
      'alarm',
      t('overlays.sensor.alarm'),
      <span key="a" className="aqi-value">
        <span className="chip" style={{ background: GAUGE_COLOURS[e.alarmLevel] }} />
        {t(`overlays.gauge.level${e.alarmLevel}`)}
      </span>,
    ],
    ...(th
      ? ([
          [
            'thresholds',
            t('overlays.sensor.thresholds'),
            `${th.map((v) => formatFixed(v, 2)).join(' / ')} m`,
          ],
        ] as [string, string, ReactNode][])
      : []),
    ...(e.rainMm !== undefined
      ? ([['rain', t('overlays.sensor.rain'), t('overlays.unit.mm', { value: formatNumber(e.rainMm) })]] as [
          string,
          string,
          ReactNode,
        ][])
      : []),
    ...common(e),
  ];
  const thresholds = th
    ? th.map((value, i) => ({
        value,
        colour: GAUGE_COLOURS[i + 1]!,
        label: t(`overlays.gauge.level${(i + 1) as 1 | 2 | 3}`),
      }))
    : [];
  return (
    <>
      <Rows rows={rows} />
      <DatastreamChart
        thingId={e.thingId}
        prefer={['water level', 'mực nước']}
        replayAt={replayAt}
        thresholds={thresholds}
      />
    </>
  );
}

function TrafficBody({ e }: { e: TrafficSegmentState }) {
  const cls = trafficClass(e);
  const rows: [string, string, ReactNode][] = [
    [
      'state',
      t('overlays.traffic.state'),
      <span key="c" className="aqi-value">
        <span className="chip line" style={{ background: cls.colour }} />
        {t(cls.label)}
      </span>,
    ],
    ...(e.averageSpeedKmh !== undefined
      ? ([
          [
            'speed',
            t('overlays.traffic.speed'),
            t('overlays.unit.kmh', { value: formatNumber(e.averageSpeedKmh) }),
          ],
        ] as [string, string, ReactNode][])
      : []),
    ...(e.intensityVehH !== undefined
      ? ([
          [
            'intensity',
            t('overlays.traffic.intensity'),
            t('overlays.unit.vehH', { value: formatNumber(e.intensityVehH, 0) }),
          ],
        ] as [string, string, ReactNode][])
      : []),
    ...(e.occupancy !== undefined
      ? ([
          [
            'occupancy',
            t('overlays.traffic.occupancy'),
            t('overlays.unit.percent', { value: formatNumber(e.occupancy * 100, 0) }),
          ],
        ] as [string, string, ReactNode][])
      : []),
    ...common(e),
  ];
  return <Rows rows={rows} />;
}

function VehicleBody({ e }: { e: VehicleState }) {
  const rows: [string, string, ReactNode][] = [
    ['route', t('overlays.vehicle.route'), e.routeId ?? '–'],
    ['vehicle', t('overlays.vehicle.vehicle'), e.label ?? e.vehicleId],
    ...(e.tripId ? ([['trip', t('overlays.vehicle.trip'), e.tripId]] as [string, string, ReactNode][]) : []),
    ...(e.speedMS !== undefined
      ? ([
          [
            'speed',
            t('overlays.vehicle.speed'),
            t('overlays.unit.kmh', { value: formatNumber(e.speedMS * 3.6, 0) }),
          ],
        ] as [string, string, ReactNode][])
      : []),
    ...common(e),
  ];
  return <Rows rows={rows} />;
}

/** Levels read as gauges do, always with centimetres: "0,90", not "0,9". */
function formatFixed(v: number, digits: number): string {
  return v.toFixed(digits).replace('.', ',');
}

/** Vietnamese names for the hub's known observed properties; others show as the hub names them. */
const PROPERTY_LABELS: Record<string, MessageId> = {
  'pm2.5': 'overlays.pollutant.pm25',
  pm10: 'overlays.pollutant.pm10',
  no2: 'overlays.pollutant.no2',
  co: 'overlays.pollutant.co',
  o3: 'overlays.pollutant.o3',
  so2: 'overlays.pollutant.so2',
  'water level': 'overlays.sensor.level',
  'mực nước': 'overlays.sensor.level',
  rainfall: 'overlays.sensor.rainShort',
  rain: 'overlays.sensor.rainShort',
  'lượng mưa': 'overlays.sensor.rainShort',
};

function propertyLabel(name: string): string {
  const id = PROPERTY_LABELS[name.toLowerCase()];
  return id ? t(id) : name;
}

function pollutantLabel(p: AqiPollutant): MessageId {
  return `overlays.pollutant.${p}`;
}

interface Datastream {
  id: number;
  name: string;
  property: string;
  unit: string;
}

/** The Thing's datastreams (SensorThings), as tabs, with the 24-hour chart of the chosen one. */
function DatastreamChart({
  thingId,
  prefer,
  replayAt,
  thresholds,
}: {
  thingId: number;
  prefer: string[];
  replayAt: number | null;
  thresholds?: { value: number; colour: string; label: string }[];
}) {
  const [streams, setStreams] = useState<Datastream[]>([]);
  const [chosen, setChosen] = useState<number | null>(null);
  const preferKey = prefer.join('|');
  useEffect(() => {
    const abort = new AbortController();
    setStreams([]);
    setChosen(null);
    fetch(`${import.meta.env.BASE_URL}v1.1/Things(${thingId})/Datastreams?$expand=ObservedProperty&$top=50`, {
      signal: abort.signal,
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then(
        (body: {
          value: {
            '@iot.id': number;
            name: string;
            unitOfMeasurement?: { symbol?: string };
            ObservedProperty?: { name?: string };
          }[];
        }) => {
          const list = body.value.map((d) => ({
            id: d['@iot.id'],
            name: d.name,
            property: d.ObservedProperty?.name ?? d.name,
            unit: d.unitOfMeasurement?.symbol ?? '',
          }));
          const order = preferKey.split('|').map((p) => p.toLowerCase());
          const first = list.find((d) => order.includes(d.property.toLowerCase())) ?? list[0];
          setStreams(list);
          setChosen(first?.id ?? null);
        },
      )
      .catch(() => {
        /* no chart: the values above still show */
      });
    return () => abort.abort();
  }, [thingId, preferKey]);
  const stream = streams.find((s) => s.id === chosen);
  const isLevel = stream && /water level|mực nước/i.test(stream.property);
  return (
    <div className="datastreams">
      <h3>{t('overlays.sensor.chart')}</h3>
      {streams.length > 1 && (
        <div className="tabs" role="tablist">
          {streams.map((s) => (
            <button
              key={s.id}
              type="button"
              role="tab"
              aria-selected={s.id === chosen}
              className={s.id === chosen ? 'active' : ''}
              onClick={() => setChosen(s.id)}
            >
              {propertyLabel(s.property)}
            </button>
          ))}
        </div>
      )}
      {stream && (
        <HistoryChart
          datastreamId={stream.id}
          unit={stream.unit}
          {...(replayAt !== null ? { toMs: replayAt } : {})}
          {...(isLevel && thresholds ? { thresholds } : {})}
        />
      )}
    </div>
  );
}
