import { createRoute, z } from '@hono/zod-openapi';
import { assistantConfirmBody, assistantMessage, assistantRunBody, assistantSettings, assistantSettingsBody, type AssistantStreamEvent } from '../../contracts/assistant';
import { listOf } from '../../contracts/api';
import { budgetRefusal } from '../assistant/run';
import { runAssistant } from '../assistant/run';
import { CONFIGURE_HINT, llmConfig } from '../assistant/config';
import { decide, findRun, insertRun, readSettings, sessionMessages, spentThisMonth, updateRun, writeSettings } from '../assistant/store';
import { HttpError, notFound } from '../http/errors';
import { defer, type OpenDb } from '../http/middleware';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, sessionParams, SESSION_PATH, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';
import { openRoom } from '../services/room';
import { logError } from '../../workers/safe-log';

const runParams = sessionParams.extend({ runId: z.string() });
const RUNS = `${SESSION_PATH}/assistant/runs`;
/** As long as an MCP tool call may take (MCP_TOOL_BUDGET_SECONDS): the same operations. */
const toolBudgetMs = (v: string | undefined) => (Number(v) > 0 ? Number(v) : 50) * 1000;

export const startRun = createRoute({
  method: 'post',
  path: RUNS,
  summary: 'Ask the assistant: the answer, its tool calls and their results stream back as server-sent events',
  request: { params: sessionParams, body: jsonBody(assistantRunBody) },
  responses: {
    200: { description: 'text/event-stream: one JSON per data line (run, delta, tool_call, confirm, tool_result, usage, done)', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
    409: errorResponse('The assistant is turned off for the project, or its monthly budget is spent'),
    503: errorResponse('No model is configured (LLM_BASE_URL, LLM_MODEL): the message says how'),
  },
});

export const stopRun = createRoute({
  method: 'post',
  path: `${RUNS}/{runId}/stop`,
  summary: 'Stop a run (between model calls, or while it waits for a confirmation)',
  request: { params: runParams },
  responses: { 200: jsonContent(z.object({ run_id: z.string(), stop_requested: z.literal(true) }), 'Stop requested'), ...errorResponses },
});

export const confirmCall = createRoute({
  method: 'post',
  path: `${RUNS}/{runId}/confirm`,
  summary: 'Approve or decline the destructive tool call a run waits on',
  request: { params: runParams, body: jsonBody(assistantConfirmBody) },
  responses: { 200: jsonContent(z.object({ run_id: z.string(), tool_call_id: z.string(), approve: z.boolean() }), 'Answer given'), ...errorResponses, 409: errorResponse('The run waits on no such call') },
});

export const listMessages = createRoute({
  method: 'get',
  path: `${SESSION_PATH}/assistant/messages`,
  summary: 'The prompts and answers kept with the session, oldest first',
  request: { params: sessionParams },
  responses: { 200: jsonContent(listOf(assistantMessage), 'Messages'), ...errorResponses },
});

export const getSettings = createRoute({
  method: 'get',
  path: '/{projectId}/assistant/settings',
  summary: "The project's assistant: on or off, its monthly budget and spending, whether a model is configured",
  request: { params: projectParams },
  responses: { 200: jsonContent(assistantSettings, 'Settings'), ...errorResponses },
});

export const putSettings = createRoute({
  method: 'put',
  path: '/{projectId}/assistant/settings',
  summary: 'Turn the assistant on or off, set its monthly budget (USD)',
  request: { params: projectParams, body: jsonBody(assistantSettingsBody) },
  responses: { 200: jsonContent(assistantSettings, 'Settings'), ...errorResponses },
});

export function assistantRoutes(openDb: OpenDb) {
  const start: AppRouteHandler<typeof startRun> = async (c) => {
    const { projectId, sessionId } = c.req.valid('param');
    await openRoom({ db: c.var.db, env: c.env, caller: c.var.caller }, projectId, sessionId, 'write');
    const config = llmConfig(c.env);
    if (!config) throw new HttpError(503, 'llm_not_configured', CONFIGURE_HINT);
    const refusal = await budgetRefusal(c.var.db, projectId);
    if (refusal) throw new HttpError(409, 'assistant_unavailable', refusal);
    const { message } = c.req.valid('json');

    // Server-sent events on this request's answer, not the session's socket: the run belongs to the
    // person who asked, the browser reads it with a plain fetch, and everyone else in the session
    // already sees its operations on the socket as they run.
    const handle = openDb(c.env);
    const run = await insertRun(handle.db, projectId, sessionId);
    const { readable, writable } = new TransformStream<Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    let open = true;
    const send = async (e: AssistantStreamEvent) => {
      if (!open) return;
      // A browser that went away does not stop the run: its operations go on and are kept.
      await writer.write(encoder.encode(`data: ${JSON.stringify(e)}\n\n`)).catch(() => (open = false));
    };
    const work = (async () => {
      await send({ type: 'run', run_id: run.id });
      try {
        await runAssistant(
          { ctx: { db: handle.db, env: c.env, caller: c.var.caller, projectId, pollMs: 150, budgetMs: toolBudgetMs(c.env.MCP_TOOL_BUDGET_SECONDS) }, config, runId: run.id, sessionId, send },
          message,
        );
      } catch (err) {
        logError('assistant run failed', err);
        const reason = err instanceof Error && err.name === 'LlmError' ? err.message : err instanceof Error ? `the run failed: ${err.message}` : 'the run failed';
        await updateRun(handle.db, run.id, { state: 'failed', finishedAt: new Date() }).catch(() => {});
        await send({ type: 'done', state: 'failed', reason });
      } finally {
        await writer.close().catch(() => {});
        await handle.close();
      }
    })();
    defer(c, work);
    return new Response(readable, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } }) as never;
  };

  const stop: AppRouteHandler<typeof stopRun> = async (c) => {
    const { projectId, sessionId, runId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'write');
    if (!isUuid(runId) || !isUuid(sessionId) || !(await findRun(c.var.db, projectId, sessionId, runId))) throw notFound('run');
    await updateRun(c.var.db, runId, { stopRequested: true });
    return c.json({ run_id: runId, stop_requested: true as const }, 200);
  };

  const confirm: AppRouteHandler<typeof confirmCall> = async (c) => {
    const { projectId, sessionId, runId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'write');
    if (!isUuid(runId) || !isUuid(sessionId) || !(await findRun(c.var.db, projectId, sessionId, runId))) throw notFound('run');
    const { tool_call_id, approve } = c.req.valid('json');
    if (!(await decide(c.var.db, runId, tool_call_id, approve))) throw new HttpError(409, 'not_waiting', `the run is not waiting for a confirmation of ${tool_call_id}`, 'tool_call_id');
    return c.json({ run_id: runId, tool_call_id, approve }, 200);
  };

  const messages: AppRouteHandler<typeof listMessages> = async (c) => {
    const { projectId, sessionId } = c.req.valid('param');
    await openRoom({ db: c.var.db, env: c.env, caller: c.var.caller }, projectId, sessionId, 'read');
    const rows = await sessionMessages(c.var.db, sessionId);
    return c.json(
      {
        items: rows.map((r) => ({
          run_id: r.runId,
          role: r.role,
          content: r.content,
          ...(r.toolCalls ? { tool_calls: r.toolCalls } : {}),
          ...(r.toolCallId ? { tool_call_id: r.toolCallId } : {}),
          created_at: r.createdAt.toISOString(),
        })),
      },
      200,
    );
  };

  async function settingsView(db: Parameters<typeof readSettings>[0], env: Parameters<typeof llmConfig>[0], projectId: string) {
    const s = await readSettings(db, projectId);
    const config = llmConfig(env);
    return {
      enabled: s.enabled,
      monthly_budget_usd: s.monthlyBudgetUsd,
      spent_this_month_usd: await spentThisMonth(db, projectId),
      configured: config !== null,
      ...(config ? { model: config.model } : { configure: CONFIGURE_HINT }),
    };
  }

  const readS: AppRouteHandler<typeof getSettings> = async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    return c.json(await settingsView(c.var.db, c.env, projectId), 200);
  };

  const writeS: AppRouteHandler<typeof putSettings> = async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    await writeSettings(c.var.db, projectId, c.req.valid('json'));
    return c.json(await settingsView(c.var.db, c.env, projectId), 200);
  };

  return createRouter().openapi(startRun, start).openapi(stopRun, stop).openapi(confirmCall, confirm).openapi(listMessages, messages).openapi(getSettings, readS).openapi(putSettings, writeS);
}
