import { describe, expect, it } from 'vitest';
import { DESTRUCTIVE_TOOLS } from '../../contracts/assistant';
import { MCP_TOOL_NAMES, MCP_TOOLS } from '../../contracts/mcp-tools';
import { costOf, llmConfig } from '../../edge/assistant/config';
import { chatTools } from '../../edge/assistant/tool-schemas';

describe('the assistant’s configuration and tools', () => {
  it('has no model without LLM_BASE_URL and LLM_MODEL (never a guessed default)', () => {
    expect(llmConfig({})).toBeNull();
    expect(llmConfig({ LLM_BASE_URL: 'https://api.openai.com/v1' })).toBeNull();
    expect(llmConfig({ LLM_MODEL: 'gpt-4o-mini' })).toBeNull();
    expect(llmConfig({ LLM_BASE_URL: 'not a url', LLM_MODEL: 'm' })).toBeNull();
    expect(llmConfig({ LLM_BASE_URL: 'https://openrouter.ai/api/v1/', LLM_MODEL: 'm', LLM_API_KEY: 'k' })).toMatchObject({ baseUrl: 'https://openrouter.ai/api/v1', model: 'm', apiKey: 'k', provider: 'openrouter.ai', prices: {} });
  });

  it('prices a call from the table: cached input at its own price, unknown models and unreadable tables at 0', () => {
    const prices = llmConfig({ LLM_BASE_URL: 'http://x/v1', LLM_MODEL: 'm', LLM_PRICES: JSON.stringify({ m: { input: 2, output: 8, cached: 1 }, n: { input: 3, output: 6 } }) })!.prices;
    expect(costOf(prices, 'm', { input_tokens: 1000, output_tokens: 50, cached_tokens: 200 })).toBeCloseTo(0.0022, 12);
    expect(costOf(prices, 'n', { input_tokens: 1000, output_tokens: 0, cached_tokens: 500 })).toBeCloseTo(0.003, 12);
    expect(costOf(prices, 'other', { input_tokens: 1000, output_tokens: 50, cached_tokens: 0 })).toBe(0);
    expect(llmConfig({ LLM_BASE_URL: 'http://x/v1', LLM_MODEL: 'm', LLM_PRICES: '{"m":{"input":-1}}' })!.prices).toEqual({});
    expect(llmConfig({ LLM_BASE_URL: 'http://x/v1', LLM_MODEL: 'm', LLM_PRICES: 'not json' })!.prices).toEqual({});
  });

  it('offers exactly the MCP tools, each with the JSON Schema of its zod input', () => {
    const tools = chatTools();
    expect(tools.map((t) => t.function.name)).toEqual(MCP_TOOL_NAMES);
    const write = tools.find((t) => t.function.name === 'write_script')!;
    expect(write.function.description).toBe(MCP_TOOLS.write_script.description);
    expect(write.function.parameters).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['session_id', 'path', 'code']) });
    for (const name of DESTRUCTIVE_TOOLS) expect(MCP_TOOL_NAMES).toContain(name);
  });
});
