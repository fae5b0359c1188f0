// Holds the Unity MCP test double to the REAL server's tool signatures, as recorded from
// CoplayDev/unity-mcp v10.1.0 in ../shared/unity-mcp-tools.md (beside the repository, on CI too).
// A double that accepts an argument the real server rejects lets the suite pass while real paths
// fail; this test is what stops that.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnityMcpServer, type UnityMcpServerHandle } from '../support/unity-mcp-server';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOLS_MD = path.resolve(REPO_ROOT, '../shared/unity-mcp-tools.md');

/** Tools the double models that the file does not cover, with parameters read from the server's source. */
const FROM_SOURCE: Record<string, string[]> = {
  // Server/src/services/tools/execute_menu_item.py: menu_path: str | None = None
  execute_menu_item: ['menu_path'],
};
/** Documented tools the double does not model (the agent never calls them). */
const NOT_MODELLED = ['script_apply_edits'];
/** Every tool local-agent/mcp/unity-mcp-ops.ts calls. */
const AGENT_CALLS = [
  'create_script', 'get_sha', 'manage_script', 'apply_text_edits', 'delete_script', 'manage_camera', 'manage_asset',
  'manage_build', 'refresh_unity', 'read_console', 'execute_menu_item',
];

interface DocTool {
  params: string[];
  required: string[];
}

/**
 * Tool sections are headings named by the tool ("### get_sha", "## manage_build — ..."); their
 * parameters are the backticked names in the first cell of each table row.
 */
function parseToolsMd(text: string): Map<string, DocTool> {
  const tools = new Map<string, DocTool>();
  let current: DocTool | undefined;
  for (const line of text.split('\n')) {
    const heading = /^#{2,3} ([a-z][a-z0-9_]*)\b/.exec(line);
    if (heading) {
      current = { params: [], required: [] };
      tools.set(heading[1]!, current);
      continue;
    }
    if (/^#{1,3} /.test(line)) {
      current = undefined;
      continue;
    }
    if (!current || !line.startsWith('| `')) continue;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const names = [...cells[1]!.matchAll(/`([a-z_][a-z0-9_]*)`/g)].map((m) => m[1]!);
    current.params.push(...names);
    if (cells[3] === 'yes') current.required.push(...names);
  }
  return tools;
}

function readToolsMd(): string {
  if (!existsSync(TOOLS_MD)) {
    throw new Error(
      `${TOOLS_MD} is missing. It records the real Unity MCP server's tool signatures and must sit in ` +
        `shared/ beside the repository (../shared/unity-mcp-tools.md from the repository root).`,
    );
  }
  return readFileSync(TOOLS_MD, 'utf8');
}

describe('the Unity MCP test double against the real server signatures (../shared/unity-mcp-tools.md)', () => {
  const doc = parseToolsMd(readToolsMd());
  let server: UnityMcpServerHandle;
  let client: Client;
  let listed: { name: string; inputSchema: { properties?: Record<string, unknown>; required?: string[]; additionalProperties?: unknown } }[];

  beforeAll(async () => {
    server = await startUnityMcpServer();
    client = new Client({ name: 'signature-check', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    listed = (await client.listTools()).tools as typeof listed;
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('reads the tool tables of the file', () => {
    // A parser that found nothing would make every check below pass vacuously.
    expect(doc.size).toBeGreaterThanOrEqual(12);
    expect(doc.get('apply_text_edits')?.params).toEqual(['uri', 'edits', 'precondition_sha256', 'strict', 'options']);
    expect(doc.get('manage_build')?.params).toContain('job_id');
  });

  it('has exactly the documented tools, plus those read from the source', () => {
    const names = listed.map((t) => t.name).sort();
    const expected = [...doc.keys()].filter((n) => !NOT_MODELLED.includes(n)).concat(Object.keys(FROM_SOURCE)).sort();
    expect(names).toEqual(expected);
  });

  it("declares exactly each real tool's argument names and required ones, and rejects any other", () => {
    for (const t of listed) {
      const real = doc.get(t.name) ?? { params: FROM_SOURCE[t.name]!, required: [] };
      expect(Object.keys(t.inputSchema.properties ?? {}).sort(), t.name).toEqual([...real.params].sort());
      expect([...(t.inputSchema.required ?? [])].sort(), `${t.name} required`).toEqual([...real.required].sort());
      expect(t.inputSchema.additionalProperties, `${t.name} must reject unknown arguments`).toBe(false);
    }
  });

  it('every tool the agent calls exists on the real server', () => {
    for (const name of AGENT_CALLS) expect(doc.has(name) || name in FROM_SOURCE, name).toBe(true);
  });
});
