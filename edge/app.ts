import { limitBodies } from './http/body-limit';
import { errorBody } from './http/errors';
import { createRouter } from './http/router';
import { buildOpenApiDocument } from './openapi';
import { securityHeaders } from './http/security-headers';
import { authenticate, defaultOpenDb, withDb, type OpenDb } from './http/middleware';
import { agentRoutes, pairRoutes } from './routes/agents';
import { assistantRoutes } from './routes/assistant';
import { auditRoutes } from './routes/audit';
import { backupRoutes } from './routes/backup';
import { chipRoutes } from './routes/chips';
import { authRoutes } from './routes/auth';
import { dashboardRoutes } from './routes/dashboard';
import { deadLetterRoutes } from './routes/dead-letters';
import { digestRoutes } from './routes/digests';
import { eventRoutes } from './routes/events';
import { eventLogRoutes } from './routes/event-log';
import { healthRoutes, readyRoutes } from './routes/health';
import { historyRoutes } from './routes/history';
import { mcpRoutes } from './routes/mcp';
import { handleErrorOAuthAware, mcpGrantRoutes, oauthRoutes } from './routes/oauth';
import { hookRoutes } from './routes/hooks';
import { connectRoutes, liveRoutes } from './routes/live';
import { projectRoutes } from './routes/projects';
import { publicIngestRoutes } from './routes/public-ingest';
import { scriptRoutes } from './routes/scripts';
import { sessionRoutes } from './routes/sessions';
import { snapshotRoutes } from './routes/snapshots';
import { webhookRoutes } from './routes/webhooks';

export interface AppDeps {
  /** How a request gets its database client; tests and a Node host may pass their own. */
  openDb?: OpenDb;
}

/** Builds the HTTP app. No globals: everything comes from the bindings and `deps`. */
export function createApp(deps: AppDeps = {}) {
  const openDb = deps.openDb ?? defaultOpenDb;
  // Middleware first (a `use` runs only for routes registered after it), then the routes, chained
  // so that the app's type carries every route for the web's typed client.
  const projects = createRouter();
  projects.use(authenticate());
  const projectApi = projects
    .route('/', projectRoutes)
    .route('/', sessionRoutes)
    .route('/', eventRoutes)
    .route('/', deadLetterRoutes)
    .route('/', agentRoutes)
    .route('/', liveRoutes)
    .route('/', historyRoutes)
    .route('/', scriptRoutes)
    .route('/', snapshotRoutes)
    .route('/', webhookRoutes)
    .route('/', eventLogRoutes)
    .route('/', backupRoutes)
    .route('/', auditRoutes)
    .route('/', chipRoutes)
    .route('/', digestRoutes(openDb))
    .route('/', assistantRoutes(openDb))
    .route('/', dashboardRoutes);

  const root = createRouter();
  root.use(securityHeaders());
  root.use(limitBodies());
  root.use('/ready', withDb(openDb));
  root.use('/api/auth/*', withDb(openDb));
  root.use('/api/agent/*', withDb(openDb));
  root.use('/api/projects/*', withDb(openDb));
  root.use('/api/projects', withDb(openDb));
  root.use('/hooks/*', withDb(openDb));
  root.use('/ingest', withDb(openDb), authenticate());
  const app = root
    .route('/', healthRoutes)
    .route('/', readyRoutes)
    .route('/api/auth', authRoutes)
    .route('/api/agent', pairRoutes)
    // Public: webhook deliveries authenticate by their signature (edge/webhooks).
    .route('/', hookRoutes)
    .route('/', publicIngestRoutes)
    // Before `projectApi`: the socket authenticates itself (a ticket, or the Authorization header).
    .route('/api/projects', connectRoutes)
    .route('/api/projects', projectApi)
    .route('/', mcpRoutes(openDb))
    .route('/', oauthRoutes(openDb)).route('/api/auth', mcpGrantRoutes);

  let openApiDoc: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/api/openapi.json', (c) => c.json((openApiDoc ??= buildOpenApiDocument(app))));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
  app.onError(handleErrorOAuthAware);
  return app;
}

export type SparkApp = ReturnType<typeof createApp>;
