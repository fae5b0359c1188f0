import { describe, expect, it } from 'vitest';
import { mcpClientConfigs, mcpEndpoint } from '../../web/src/lib/mcp-config';

describe('Connect an AI client', () => {
  it("names the project's endpoint", () => {
    expect(mcpEndpoint('https://spark.example/', 'p-1')).toBe('https://spark.example/mcp/p-1');
  });

  it('gives each client a configuration carrying the endpoint and the bearer token', () => {
    const configs = mcpClientConfigs('https://spark.example/mcp/p-1', 'spk_secret');
    expect(configs.map((c) => c.id)).toEqual(['claude-code', 'cursor', 'vscode', 'claude-desktop']);
    for (const c of configs) {
      expect(c.text, c.id).toContain('https://spark.example/mcp/p-1');
      expect(c.text, c.id).toMatch(/Authorization"?: ?"?Bearer spk_secret/);
    }
    expect(JSON.parse(configs[1]!.text)).toEqual({ mcpServers: { spark: { url: 'https://spark.example/mcp/p-1', headers: { Authorization: 'Bearer spk_secret' } } } });
    expect(JSON.parse(configs[2]!.text).servers.spark.type).toBe('http');
  });
});
