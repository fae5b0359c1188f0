// The assistant ("Ask Spark"): a person's request, the model's streamed answer and its tool calls,
// the confirmation of destructive tools, and the project's settings (on/off, monthly budget).
import { z } from 'zod';
import type { McpToolName } from './mcp-tools';

/** Tools that are not run until the person confirms them in the browser. */
export const DESTRUCTIVE_TOOLS: readonly McpToolName[] = ['delete_script', 'rollback'];

export const ASSISTANT_RUN_STATES = ['running', 'awaiting_confirmation', 'done', 'stopped', 'failed'] as const;
export type AssistantRunState = (typeof ASSISTANT_RUN_STATES)[number];

export const assistantRunBody = z.strictObject({
  message: z.string().trim().min(1, 'message must not be empty').max(8000, 'message must be at most 8000 characters'),
});

export const assistantConfirmBody = z.strictObject({
  tool_call_id: z.string().min(1, 'tool_call_id must not be empty').max(200),
  approve: z.boolean(),
});

export const assistantSettingsBody = z.strictObject({
  enabled: z.boolean().optional(),
  /** USD per calendar month (UTC); null: no budget. */
  monthly_budget_usd: z.number().nonnegative().max(1_000_000).nullable().optional(),
});

export const assistantSettings = z.object({
  enabled: z.boolean(),
  monthly_budget_usd: z.number().nullable(),
  spent_this_month_usd: z.number(),
  /** Whether the edge has a model (LLM_BASE_URL and LLM_MODEL); `configure` says how otherwise. */
  configured: z.boolean(),
  configure: z.string().optional(),
  model: z.string().optional(),
});
export type AssistantSettings = z.infer<typeof assistantSettings>;

/** One message kept with the session (OpenAI chat shape, as sent to the model). */
export const assistantMessage = z.object({
  run_id: z.uuid(),
  role: z.enum(['user', 'assistant', 'tool']),
  content: z.string().nullable(),
  tool_calls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  tool_call_id: z.string().optional(),
  created_at: z.string(),
});
export type AssistantMessage = z.infer<typeof assistantMessage>;

/** What the run's event stream (text/event-stream, one JSON per `data:` line) carries. */
export type AssistantStreamEvent =
  | { type: 'run'; run_id: string }
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; id: string; name: string; arguments: string }
  | { type: 'confirm'; id: string; name: string; arguments: string }
  | { type: 'tool_result'; id: string; name: string; is_error: boolean; text: string }
  | { type: 'usage'; model: string; input_tokens: number; output_tokens: number; cached_tokens: number; cost_usd: number; latency_ms: number }
  | { type: 'done'; state: AssistantRunState; reason: string };

/** Per-model prices in USD per million tokens (LLM_PRICES, JSON). */
export const llmPriceTable = z.record(
  z.string(),
  z.object({ input: z.number().nonnegative(), output: z.number().nonnegative(), cached: z.number().nonnegative().optional() }),
);
export type LlmPriceTable = z.infer<typeof llmPriceTable>;
