// "Connect an AI client": the project's MCP endpoint and ready-to-paste client configurations.
// Unit-tested in tests/unit/web-mcp-config.test.ts.

/** The endpoint for one project: the token decides the project, the URL makes the choice visible (and checked). */
export function mcpEndpoint(origin: string, projectId: string): string {
  return `${origin.replace(/\/$/, '')}/mcp/${projectId}`;
}

export interface ClientConfig {
  id: string;
  client: string;
  /** Where the text goes. */
  where: string;
  text: string;
}

/** Configurations for common MCP clients that speak Streamable HTTP with a bearer header. */
export function mcpClientConfigs(url: string, token: string): ClientConfig[] {
  const auth = `Bearer ${token}`;
  return [
    {
      id: 'claude-code',
      client: 'Claude Code',
      where: 'Run in a terminal',
      text: `claude mcp add --transport http spark ${url} --header "Authorization: ${auth}"`,
    },
    {
      id: 'cursor',
      client: 'Cursor',
      where: '~/.cursor/mcp.json',
      text: JSON.stringify({ mcpServers: { spark: { url, headers: { Authorization: auth } } } }, null, 2),
    },
    {
      id: 'vscode',
      client: 'VS Code',
      where: '.vscode/mcp.json',
      text: JSON.stringify({ servers: { spark: { type: 'http', url, headers: { Authorization: auth } } } }, null, 2),
    },
    {
      id: 'claude-desktop',
      client: 'Claude Desktop',
      where: 'claude_desktop_config.json (through mcp-remote)',
      text: JSON.stringify({ mcpServers: { spark: { command: 'npx', args: ['-y', 'mcp-remote', url, '--header', `Authorization:${auth}`] } } }, null, 2),
    },
  ];
}
