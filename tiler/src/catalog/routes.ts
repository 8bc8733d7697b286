import type { FastifyInstance } from 'fastify';
import { DATE_PATTERN, VISIBILITIES, type Visibility } from '../api/catalog.js';
import { InputError } from '../errors.js';
import { requestRole } from '../serve/auth/request.js';
import { canSee } from '../serve/auth/roles.js';
import { completenessCsv } from './completeness.js';
import { CatalogService, catalogResponse, extraLayerEntries } from './service.js';

/**
 * The catalogue's routes, registered by one line in serve/server.ts:
 * - `GET /api/catalog[?audience=public|planner|operator][&date=YYYY-MM-DD]`
 * - `GET /api/completeness` (JSON) and `GET /api/completeness.csv`
 * - catalogue layers appended to `GET /api/layers` (a preSerialization hook, so the layer list
 *   stays the demo's and this module stays self-contained).
 * A data folder without `catalog.json` answers an empty catalogue; a broken one answers 500 with
 * the file and the JSON pointer of each problem.
 */
export async function registerCatalogRoutes(
  app: FastifyInstance,
  options: { dataDir: string },
): Promise<void> {
  const service = new CatalogService(options.dataDir);

  const problem = (reply: { code(n: number): unknown }, error: unknown) => {
    if (!(error instanceof InputError)) throw error;
    reply.code(500);
    return { error: error.message };
  };

  app.get<{ Querystring: { audience?: string; date?: string } }>('/api/catalog', async (req, reply) => {
    reply.header('Cache-Control', 'no-cache');
    const { audience, date } = req.query;
    if (audience !== undefined && !VISIBILITIES.includes(audience as Visibility)) {
      return reply
        .code(400)
        .send({ error: `audience must be one of ${VISIBILITIES.join(', ')}`, field: 'audience' });
    }
    if (date !== undefined && !new RegExp(DATE_PATTERN).test(date)) {
      return reply.code(400).send({ error: 'date must be YYYY-MM-DD', field: 'date' });
    }
    try {
      const role = requestRole(req);
      const catalog = await service.catalog();
      // The caller's role caps what `audience` can ask for: a kiosk cannot ask for operator layers.
      const visible = catalog && {
        ...catalog,
        layers: catalog.layers.filter((l) => canSee(role, l.visibility)),
      };
      return catalogResponse(visible, {
        ...(audience ? { audience: audience as Visibility } : {}),
        ...(date ? { date } : {}),
      });
    } catch (error) {
      return problem(reply, error);
    }
  });

  app.get('/api/completeness', async (req, reply) => {
    reply.header('Cache-Control', 'no-cache');
    try {
      const role = requestRole(req);
      return await service.completeness((l) => canSee(role, l.visibility));
    } catch (error) {
      return problem(reply, error);
    }
  });

  app.get('/api/completeness.csv', async (req, reply) => {
    try {
      const role = requestRole(req);
      const csv = completenessCsv(await service.completeness((l) => canSee(role, l.visibility)));
      return reply
        .header('Cache-Control', 'no-cache')
        .header('Content-Type', 'text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="completeness.csv"')
        .send(csv);
    } catch (error) {
      return problem(reply, error);
    }
  });

  app.addHook('preSerialization', async (req, _reply, payload: unknown) => {
    if (req.routeOptions.url !== '/api/layers' || !Array.isArray(payload)) return payload;
    // A broken catalogue must not take the demo's layer list down with it.
    const catalog = await service.catalog().catch((error: unknown) => {
      req.log.error({ err: error }, 'catalog.json');
      return undefined;
    });
    const listed = new Set(payload.map((l: { id?: unknown }) => String(l.id)));
    const role = requestRole(req);
    return [...payload, ...extraLayerEntries(catalog, listed).filter((l) => canSee(role, l.visibility))];
  });
}
