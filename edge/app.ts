import { Hono } from 'hono';
import { limitBodies } from './http/body-limit';
import { errorBody, handleError } from './http/errors';
import { securityHeaders } from './http/security-headers';
import { authenticate, defaultOpenDb, withDb, type OpenDb } from './http/middleware';
import { agentRoutes, pairRoutes } from './routes/agents';
import { authRoutes } from './routes/auth';
import { deadLetterRoutes } from './routes/dead-letters';
import { eventRoutes } from './routes/events';
import { healthRoutes, readyRoutes } from './routes/health';
import { historyRoutes } from './routes/history';
import { connectRoutes, liveRoutes } from './routes/live';
import { projectRoutes } from './routes/projects';
import { scriptRoutes } from './routes/scripts';
import { sessionRoutes } from './routes/sessions';
import type { AppEnv } from './types';

export interface AppDeps {
  /** How a request gets its database client; tests and a Node host may pass their own. */
  openDb?: OpenDb;
}

/** Builds the HTTP app. No globals: everything comes from the bindings and `deps`. */
export function createApp(deps: AppDeps = {}) {
  const openDb = deps.openDb ?? defaultOpenDb;
  const projects = new Hono<AppEnv>()
    .use(authenticate())
    .route('/', projectRoutes)
    .route('/', sessionRoutes)
    .route('/', eventRoutes)
    .route('/', deadLetterRoutes)
    .route('/', agentRoutes)
    .route('/', liveRoutes)
    .route('/', historyRoutes)
    .route('/', scriptRoutes);

  const app = new Hono<AppEnv>()
    .use(securityHeaders())
    .use(limitBodies())
    .route('/', healthRoutes)
    .use('/ready', withDb(openDb))
    .route('/', readyRoutes)
    .use('/api/auth/*', withDb(openDb))
    .route('/api/auth', authRoutes)
    .use('/api/agent/*', withDb(openDb))
    .route('/api/agent', pairRoutes)
    .use('/api/projects/*', withDb(openDb))
    .use('/api/projects', withDb(openDb))
    // Before `projects`: the socket authenticates itself (a ticket, or the Authorization header).
    .route('/api/projects', connectRoutes)
    .route('/api/projects', projects);

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
  app.onError(handleError);
  return app;
}

export type SparkApp = ReturnType<typeof createApp>;
