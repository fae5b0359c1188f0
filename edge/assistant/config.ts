// The model the assistant talks to, from the Worker's configuration, and what its calls cost.
import { llmPriceTable, type LlmPriceTable } from '../../contracts/assistant';

export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  prices: LlmPriceTable;
  /** The provider named in usage events: the endpoint's host. */
  provider: string;
}

export const CONFIGURE_HINT =
  'No model is configured for the assistant. Set LLM_BASE_URL (an OpenAI-compatible endpoint, e.g. https://api.openai.com/v1, https://openrouter.ai/api/v1 or http://localhost:11434/v1 for Ollama) and LLM_MODEL in the Worker’s variables, and LLM_API_KEY as a secret (wrangler secret put LLM_API_KEY); LLM_PRICES (JSON, USD per million tokens per model) prices its calls.';

type LlmEnv = { LLM_BASE_URL?: string; LLM_MODEL?: string; LLM_API_KEY?: string; LLM_PRICES?: string };

/** The configured model, or null when LLM_BASE_URL or LLM_MODEL is missing (never a guessed default). */
export function llmConfig(env: LlmEnv): LlmConfig | null {
  const baseUrl = env.LLM_BASE_URL?.trim();
  const model = env.LLM_MODEL?.trim();
  if (!baseUrl || !model) return null;
  let provider = 'unknown';
  try {
    provider = new URL(baseUrl).host;
  } catch {
    return null;
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), model, ...(env.LLM_API_KEY ? { apiKey: env.LLM_API_KEY } : {}), prices: pricesOf(env.LLM_PRICES), provider };
}

/** LLM_PRICES as a table; an unreadable one prices nothing (and the cost reads 0, not a guess). */
function pricesOf(raw: string | undefined): LlmPriceTable {
  if (!raw) return {};
  try {
    const parsed = llmPriceTable.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
}

/** USD for one call: cached input tokens at the cached price (the input price when none is set). */
export function costOf(prices: LlmPriceTable, model: string, u: TokenUsage): number {
  const p = prices[model];
  if (!p) return 0;
  const cached = Math.min(u.cached_tokens, u.input_tokens);
  const usd = ((u.input_tokens - cached) * p.input + cached * (p.cached ?? p.input) + u.output_tokens * p.output) / 1_000_000;
  return Math.round(usd * 1e9) / 1e9;
}
