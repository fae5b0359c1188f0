import { z } from 'zod';
import { OP_STATES } from './enums';
import { textProblem } from './text';
import { unityOperation } from './unity-ops';

// The WebSocket protocol of a session's room (SessionRoom Durable Object). JSON text frames,
// each with a `t` tag. The agent connects as `agent` with an agent token; browsers connect as
// `browser` with a user access token. Agent events bound for Postgres do NOT travel here: they
// leave the agent's durable outbox through POST /api/projects/:id/events (idempotent on id).

const callId = z.uuid();
export const errorInfo = z.object({ code: z.string().max(64), message: z.string().max(2000) });
export type ErrorInfo = z.infer<typeof errorInfo>;

/** One line of plain text: the room stores it, shows it and writes it into an event (Postgres refuses NUL; found by tests/fuzz). */
const plainLine = (what: string, max: number) =>
  z
    .string()
    .max(max)
    .superRefine((s, ctx) => {
      const problem = textProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
    });

export const agentInfo = z.object({
  name: plainLine('name', 120),
  version: plainLine('version', 40),
  /** Which tool names the Unity MCP server speaks: CoplayDev's unity-mcp or the seed's own. */
  profile: z.enum(['unity-mcp', 'seed']).nullable(),
  unity: z.enum(['up', 'down', 'unknown']),
  circuit: z.enum(['closed', 'open', 'half-open']),
  outboxDepth: z.number().int().nonnegative(),
});
export type AgentInfo = z.infer<typeof agentInfo>;

/** An operation handed to the agent. */
export const opDispatch = z.object({
  t: z.literal('op'),
  callId,
  sessionId: z.uuid(),
  op: unityOperation,
  issuedAt: z.number(),
  /** Epoch ms after which the operation must not start; the room fails it visibly instead. */
  expiresAt: z.number(),
});
export type OpDispatch = z.infer<typeof opDispatch>;

export const opState = z.enum(OP_STATES);

// Agent → room
export const agentHello = z.object({ t: z.literal('hello'), agent: agentInfo });
/** The agent has the op in its journal: the room stops re-delivering it. */
export const opAccepted = z.object({ t: z.literal('op.accepted'), callId });
export const opProgress = z.object({
  t: z.literal('op.progress'),
  callId,
  stage: z.string().max(64),
  progress: z.number().min(0).max(1).optional(),
  message: z.string().max(500).optional(),
});
export const opResult = z.object({
  t: z.literal('op.result'),
  callId,
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: errorInfo.optional(),
  /** Wall time in the agent, and the part of it spent inside the Unity MCP server. */
  latencyMs: z.number().nonnegative(),
  mcpMs: z.number().nonnegative(),
});
/** A preview frame; `data` is base64 (≤ 8 MiB decoded). The room stores it in R2. */
export const opFrame = z.object({
  t: z.literal('frame'),
  callId,
  contentType: z.enum(['image/png', 'image/jpeg']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  data: z.string().max(11_200_000),
});
export const agentStatus = z.object({ t: z.literal('status'), agent: agentInfo });
export const agentMessage = z.discriminatedUnion('t', [agentHello, opAccepted, opProgress, opResult, opFrame, agentStatus]);
export type AgentMessage = z.infer<typeof agentMessage>;

// Room → browsers
export const opView = z.object({
  callId,
  op: z.string(),
  /** What it acts on: a path, a size, a build target. */
  summary: z.string().max(300).optional(),
  state: opState,
  stage: z.string().optional(),
  progress: z.number().optional(),
  message: z.string().optional(),
  result: z.unknown().optional(),
  error: errorInfo.optional(),
  latencyMs: z.number().optional(),
  mcpMs: z.number().optional(),
  queuedAt: z.number(),
  updatedAt: z.number(),
});
export type OpView = z.infer<typeof opView>;

export const browserMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('op.update'), op: opView }),
  z.object({ t: z.literal('frame'), callId, url: z.string(), width: z.number(), height: z.number(), contentType: z.string() }),
  z.object({ t: z.literal('agent'), online: z.boolean(), agent: agentInfo.nullable() }),
  z.object({ t: z.literal('snapshot'), ops: z.array(opView), agent: agentInfo.nullable(), online: z.boolean() }),
]);
export type BrowserMessage = z.infer<typeof browserMessage>;
