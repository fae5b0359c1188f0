import { createRoute, z } from '@hono/zod-openapi';
import { NDJSON_MEDIA_TYPE } from '../../contracts/event-log';
import { exportBackup } from '../../db/backup';
import { defaultOpenDb } from '../http/middleware';
import { createRouter, errorResponses, projectParams, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { audit } from '../services/audit';
import { adoptLegacySnapshotTexts } from '../services/snapshot-texts';

export const exportProjectBackup = createRoute({
  method: 'get',
  path: '/{projectId}/backup',
  summary:
    "The whole project as one NDJSON file (owners): a header line, then every row of its sessions, history, snapshots, events, chips, members… parents first. Other members' password hashes are withheld; restore with `npm run spark:backup -- restore FILE`",
  request: { params: projectParams },
  responses: { 200: { content: { [NDJSON_MEDIA_TYPE]: { schema: z.string() } }, description: 'NDJSON: header, then {table,row} lines' }, ...errorResponses },
});

/** Withheld password hash: no password verifies against it (the person signs in again after a reset by the operator). */
export const WITHHELD_PASSWORD_HASH = '!withheld';

const exporter: AppRouteHandler<typeof exportProjectBackup> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  await audit(c, projectId, 'project.backup_exported', null, {});
  // Older snapshots' texts are in R2, which the file cannot point at: they come into Postgres first.
  await adoptLegacySnapshotTexts({ db: c.var.db, legacyBucket: c.env.ARTIFACTS }, projectId);
  const self = c.var.caller.kind === 'user' ? c.var.caller.userId : null;
  // The stream outlives this request's database client, so it gets (and closes) its own.
  const handle = defaultOpenDb(c.env);
  const encoder = new TextEncoder();
  const gen = exportBackup(handle.db, projectId, {
    redact: { table: 'users', column: 'password_hash', keep: (row) => row.id === self, value: WITHHELD_PASSWORD_HASH },
  });
  const close = () => handle.close().catch(() => {});
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk: string[] = [];
          for (let i = 0; i < 200; i++) {
            const r = await gen.next();
            if (r.done) {
              if (chunk.length) controller.enqueue(encoder.encode(chunk.join('')));
              controller.close();
              await close();
              return;
            }
            chunk.push(r.value + '\n');
          }
          controller.enqueue(encoder.encode(chunk.join('')));
        } catch (err) {
          controller.error(err);
          await close();
        }
      },
      cancel: close,
    },
    { highWaterMark: 1 },
  );
  const res = c.body(stream, 200, { 'content-type': NDJSON_MEDIA_TYPE, 'content-disposition': `attachment; filename="spark-backup-${projectId}.ndjson"` });
  // @hono/zod-openapi types only JSON and text answers; this one is the declared NDJSON stream.
  return res as never;
};

/** A project's backup (restore is the spark:backup script, against the database). */
export const backupRoutes = createRouter().openapi(exportProjectBackup, exporter);
