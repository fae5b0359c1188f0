// One streamed call to an OpenAI-compatible /chat/completions endpoint: text deltas as they come,
// the tool calls assembled from their fragments, and the usage the server reports.
import type { LlmConfig, TokenUsage } from './config';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatTurn {
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: TokenUsage;
  latencyMs: number;
}

export class LlmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmError';
  }
}

interface Chunk {
  choices?: { delta?: { content?: string | null; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | null;
}

export async function streamChat(config: LlmConfig, messages: ChatMessage[], tools: ChatTool[], onDelta: (text: string) => Promise<void>, signal?: AbortSignal): Promise<ChatTurn> {
  const started = Date.now();
  const res = await fetch(`${config.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
    // No `tools` key when there are none: some endpoints (OpenAI) refuse an empty list.
    body: JSON.stringify({ model: config.model, messages, ...(tools.length ? { tools } : {}), stream: true, stream_options: { include_usage: true } }),
    ...(signal ? { signal } : {}),
  });
  if (!res.ok || !res.body) {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw new LlmError(`the model endpoint answered ${res.status}${text ? `: ${text}` : ''}`);
  }
  let content = '';
  const calls: { id: string; name: string; arguments: string }[] = [];
  const usage: TokenUsage = { input_tokens: 0, output_tokens: 0, cached_tokens: 0 };
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch {
        throw new LlmError('the model endpoint sent a stream line that is not JSON');
      }
      if (chunk.usage) {
        usage.input_tokens = chunk.usage.prompt_tokens ?? 0;
        usage.output_tokens = chunk.usage.completion_tokens ?? 0;
        usage.cached_tokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
      }
      const delta = chunk.choices?.[0]?.delta;
      if (delta?.content) {
        content += delta.content;
        await onDelta(delta.content);
      }
      for (const t of delta?.tool_calls ?? []) {
        const call = (calls[t.index] ??= { id: '', name: '', arguments: '' });
        if (t.id) call.id = t.id;
        if (t.function?.name) call.name += t.function.name;
        if (t.function?.arguments) call.arguments += t.function.arguments;
      }
    }
  }
  return { content, toolCalls: calls.filter(Boolean), usage, latencyMs: Date.now() - started };
}
