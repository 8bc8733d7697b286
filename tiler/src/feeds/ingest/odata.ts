import type { CompareOp, TimeCondition, TimeField } from '../store/store.js';
import { FeedInputError, parseInstant } from './errors.js';

/**
 * The SensorThings query options the hub supports (v1.1 §9.3, a subset): `$top`, `$skip`,
 * `$count`, `$orderby`, `$expand` (one level), and `$filter` on `phenomenonTime` / `resultTime`
 * with gt, ge, lt, le, eq joined by `and`.
 */
export interface QueryOptions {
  top: number;
  skip: number;
  count: boolean;
  orderBy: { field: string; desc: boolean }[];
  expand: string[];
  filter: TimeCondition[];
}

export const MAX_TOP = 10_000;
export const DEFAULT_TOP = 100;

const OPS: readonly CompareOp[] = ['gt', 'ge', 'lt', 'le', 'eq'];

export function parseQueryOptions(
  query: Record<string, string | undefined>,
  orderable: readonly string[],
): QueryOptions {
  const int = (name: string, fallback: number, max: number) => {
    const v = query[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new FeedInputError(400, `${name} must be a whole number from 0 to ${max}, got "${v}"`, name);
    }
    return n;
  };
  const orderBy: QueryOptions['orderBy'] = [];
  if (query.$orderby) {
    for (const part of query.$orderby.split(',')) {
      const [field, dir, extra] = part.trim().split(/\s+/);
      if (
        !field ||
        !orderable.includes(field) ||
        extra !== undefined ||
        (dir !== undefined && dir !== 'asc' && dir !== 'desc')
      ) {
        throw new FeedInputError(
          400,
          `$orderby supports ${orderable.join(', ')} with asc or desc, got "${part.trim()}"`,
          '$orderby',
        );
      }
      orderBy.push({ field, desc: dir === 'desc' });
    }
  }
  if (query.$count !== undefined && query.$count !== 'true' && query.$count !== 'false') {
    throw new FeedInputError(400, '$count must be true or false', '$count');
  }
  return {
    top: int('$top', DEFAULT_TOP, MAX_TOP),
    skip: int('$skip', 0, Number.MAX_SAFE_INTEGER),
    count: query.$count === 'true',
    orderBy,
    expand: query.$expand
      ? query.$expand
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    filter: query.$filter ? parseTimeFilter(query.$filter) : [],
  };
}

/** `phenomenonTime ge 2025-07-01T00:00:00Z and phenomenonTime lt 2025-07-02T00:00:00Z` */
export function parseTimeFilter(text: string): TimeCondition[] {
  const parts = text.trim().split(/\s+and\s+/i);
  return parts.map((part) => {
    const m = /^(phenomenonTime|resultTime)\s+(\w+)\s+'?([^']+?)'?$/.exec(part.trim());
    const op = m?.[2]?.toLowerCase() as CompareOp | undefined;
    const ms = parseInstant(m?.[3]);
    if (!m || !op || !OPS.includes(op) || ms === undefined) {
      throw new FeedInputError(
        400,
        `$filter supports phenomenonTime or resultTime compared (gt, ge, lt, le, eq) with an ISO 8601 time, joined by "and"; cannot read "${part.trim()}"`,
        '$filter',
      );
    }
    return { field: m[1] as TimeField, op, ms };
  });
}
