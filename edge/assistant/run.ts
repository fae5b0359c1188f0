// One assistant run: the model is called with the session's conversation and Spark's tools; its
// tool calls run as ordinary operations (destructive ones after the person confirms); it reads the
// results and goes on, until it answers without tools, the step limit, a stop, or the budget.
import { DESTRUCTIVE_TOOLS, type AssistantRunState, type AssistantStreamEvent } from '../../contracts/assistant';
import { eventOf } from '../../contracts/event-catalog';
import type { McpToolName } from '../../contracts/mcp-tools';
import { acceptEvents } from '../services/ingest';
import type { ToolContext } from '../mcp/context';
import { streamChat, type ChatMessage } from './chat';
import { costOf, type LlmConfig } from './config';
import { addRunCost, conversation, findRun, keepMessage, readSettings, spentThisMonth, updateRun } from './store';
import { chatTools } from './tool-schemas';
import { runToolCall } from './tools';
import { transcriptEvent } from './transcript';

export const MAX_STEPS = 8;
/** How long a destructive call waits for the person before the run ends. */
const CONFIRM_WAIT_MS = 10 * 60_000;

const SYSTEM = (sessionId: string) =>
  `You are Spark's assistant inside a Unity project. You act through tools that run in the person's Unity Editor. ` +
  `Always pass session_id "${sessionId}". Scripts live under Assets/ and end in .cs. After writing a script, read the compile result in the tool's answer; ` +
  `when it has errors, fix them (read_script, then patch_script or write_script with overwrite: true). Be brief.`;

export interface RunDeps {
  ctx: Omit<ToolContext, 'deadline' | 'progress' | 'signal'> & { budgetMs: number };
  config: LlmConfig;
  runId: string;
  sessionId: string;
  send: (e: AssistantStreamEvent) => Promise<void>;
  signal?: AbortSignal;
}

export async function runAssistant(deps: RunDeps, message: string): Promise<AssistantRunState> {
  const { ctx, config, runId, sessionId, send } = deps;
  const { db } = ctx;
  const history = await conversation(db, sessionId);
  const user: ChatMessage = { role: 'user', content: message };
  await keep(deps, user);
  const messages: ChatMessage[] = [{ role: 'system', content: SYSTEM(sessionId) }, ...history, user];
  const end = async (state: AssistantRunState, reason: string) => {
    await updateRun(db, runId, { state, finishedAt: new Date(), pendingToolCallId: null });
    await send({ type: 'done', state, reason });
    return state;
  };

  for (let step = 1; ; step++) {
    if ((await findRun(db, ctx.projectId, sessionId, runId))?.stopRequested) return end('stopped', 'stopped by the person');
    if (step > MAX_STEPS) return end('stopped', `the step limit (${MAX_STEPS} model calls) was reached`);
    const refusal = await budgetRefusal(ctx.db, ctx.projectId);
    if (refusal) return end('stopped', refusal);
    await updateRun(db, runId, { steps: step });

    const turn = await streamChat(config, messages, chatTools(), (text) => send({ type: 'delta', text }), deps.signal);
    const cost = costOf(config.prices, config.model, turn.usage);
    await addRunCost(db, runId, cost);
    await emitUsage(deps, { ...turn.usage, cost_usd: cost, latency_ms: turn.latencyMs });
    await send({ type: 'usage', model: config.model, ...turn.usage, cost_usd: cost, latency_ms: turn.latencyMs });

    const said: ChatMessage = {
      role: 'assistant',
      content: turn.content || null,
      ...(turn.toolCalls.length ? { tool_calls: turn.toolCalls.map((t) => ({ id: t.id, type: 'function' as const, function: { name: t.name, arguments: t.arguments } })) } : {}),
    };
    messages.push(said);
    await keep(deps, said);
    if (turn.toolCalls.length === 0) return end('done', 'the assistant answered');

    for (const call of turn.toolCalls) {
      await send({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments });
      let answer: { isError: boolean; text: string };
      if (DESTRUCTIVE_TOOLS.includes(call.name as McpToolName)) {
        const decision = await awaitConfirmation(deps, call);
        if (decision === 'stopped') {
          // Every tool call gets its answer in the kept conversation, or the next request is refused.
          await keepMessage(db, runId, sessionId, { role: 'tool', tool_call_id: call.id, content: 'not run: the person stopped the run before confirming this call' });
          return end('stopped', 'stopped by the person');
        }
        answer = decision === 'approved' ? await runTool(deps, call) : { isError: true, text: 'declined: the person did not allow this call; do not retry it unless they ask' };
      } else {
        answer = await runTool(deps, call);
      }
      await send({ type: 'tool_result', id: call.id, name: call.name, is_error: answer.isError, text: answer.text });
      const result: ChatMessage = { role: 'tool', tool_call_id: call.id, content: answer.text };
      messages.push(result);
      await keepMessage(db, runId, sessionId, result);
    }
  }
}

/** A message kept with the session: a row the model reads back, and (prompts, answers) an event of the session's log, so its export carries them. */
async function keep(deps: RunDeps, m: ChatMessage) {
  await keepMessage(deps.ctx.db, deps.runId, deps.sessionId, m);
  const event = transcriptEvent(deps.runId, deps.sessionId, m);
  if (event) await acceptEvents(deps.ctx.env, deps.ctx.projectId, [event], () => ({ kind: 'edge' }));
}

function runTool(deps: RunDeps, call: { name: string; arguments: string }) {
  const { budgetMs, ...base } = deps.ctx;
  return runToolCall({ ...base, deadline: Date.now() + budgetMs, progress: async () => {}, ...(deps.signal ? { signal: deps.signal } : {}) }, call.name, call.arguments);
}

/** Waits (on the run's row, so any request may answer) for the person to approve or decline. */
async function awaitConfirmation(deps: RunDeps, call: { id: string; name: string; arguments: string }): Promise<'approved' | 'declined' | 'stopped'> {
  const { db, projectId } = deps.ctx;
  await updateRun(db, deps.runId, { state: 'awaiting_confirmation', pendingToolCallId: call.id, decision: null });
  await deps.send({ type: 'confirm', id: call.id, name: call.name, arguments: call.arguments });
  const until = Date.now() + CONFIRM_WAIT_MS;
  for (;;) {
    const run = await findRun(db, projectId, deps.sessionId, deps.runId);
    if (!run || run.stopRequested || deps.signal?.aborted) return 'stopped';
    if (run.decision !== null) {
      await updateRun(db, deps.runId, { state: 'running', pendingToolCallId: null, decision: null });
      return run.decision ? 'approved' : 'declined';
    }
    if (Date.now() > until) return 'stopped';
    await new Promise((r) => setTimeout(r, Math.max(deps.ctx.pollMs, 250)));
  }
}

/** The clear reason the assistant may not run now (turned off, or the month's budget spent), or null. */
export async function budgetRefusal(db: RunDeps['ctx']['db'], projectId: string): Promise<string | null> {
  const settings = await readSettings(db, projectId);
  if (!settings.enabled) return 'the assistant is turned off for this project (project settings)';
  if (settings.monthlyBudgetUsd !== null) {
    const spent = await spentThisMonth(db, projectId);
    if (spent >= settings.monthlyBudgetUsd) return `this month's assistant budget of $${settings.monthlyBudgetUsd.toFixed(2)} is spent ($${spent.toFixed(4)} used); raise it in the project settings or wait for next month`;
  }
  return null;
}

async function emitUsage(deps: RunDeps, u: { input_tokens: number; output_tokens: number; cached_tokens: number; cost_usd: number; latency_ms: number }) {
  const event = eventOf(
    'usage.llm',
    { provider: deps.config.provider, model: deps.config.model, ...u, latency_ms: Math.round(u.latency_ms), run_id: deps.runId },
    { id: crypto.randomUUID(), source: 'spark-assistant', ts: Date.now() / 1000, session_id: deps.sessionId },
  );
  await acceptEvents(deps.ctx.env, deps.ctx.projectId, [event], () => ({ kind: 'edge' }));
}
