import { createRoute, z } from '@hono/zod-openapi';
import { dashboardQuery, dashboardRange, dashboardView } from '../../contracts/dashboard';
import { dashboard } from '../../db/queries/dashboard';
import { createRouter, errorResponses, jsonContent, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { dashboardMetrics, PROMETHEUS_CONTENT_TYPE } from '../services/metrics-text';

const projectParams = z.object({ projectId: z.string() });

export const getDashboard = createRoute({
  method: 'get',
  path: '/{projectId}/dashboard',
  summary: 'Dashboard panels over a range of UTC days (default: the last 7)',
  request: { params: projectParams, query: dashboardQuery },
  responses: { 200: jsonContent(dashboardView, 'The panels'), ...errorResponses },
});

export const getMetrics = createRoute({
  method: 'get',
  path: '/{projectId}/metrics',
  summary: 'The dashboard as Prometheus text, for scraping with a read token',
  request: { params: projectParams, query: dashboardQuery },
  responses: {
    200: { content: { [PROMETHEUS_CONTENT_TYPE]: { schema: z.string() } }, description: 'Prometheus text exposition 0.0.4' },
    ...errorResponses,
  },
});

const today = () => new Date().toISOString().slice(0, 10);

const panels: AppRouteHandler<typeof getDashboard> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json(await dashboard(c.var.readDb, projectId, dashboardRange(c.req.valid('query'), today())), 200);
};

const metrics: AppRouteHandler<typeof getMetrics> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const view = await dashboard(c.var.readDb, projectId, dashboardRange(c.req.valid('query'), today()));
  return c.text(dashboardMetrics(view), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
};

export const dashboardRoutes = createRouter().openapi(getDashboard, panels).openapi(getMetrics, metrics);
