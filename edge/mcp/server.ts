import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { MCP_TOOL_NAMES, MCP_TOOLS, type McpToolName } from '../../contracts/mcp-tools';
import { HttpError } from '../http/errors';
import { logError } from '../../workers/safe-log';
import type { ToolContext, ToolOutcome } from './context';
import { ToolError } from './context';
import { TOOL_HANDLERS, type ToolHandler } from './tools';

export const SERVER_INFO = { name: 'spark', version: '1.0.0' };

/** What a request gives every call; each call adds its deadline, progress channel and signal. */
export type RequestContext = Omit<ToolContext, 'progress' | 'signal' | 'deadline'> & {
  /** How long one call may take, the agent's work, the history and the frame included. */
  budgetMs: number;
};

/**
 * An MCP server with Spark's tools, for one request (the transport is stateless). Each call gets
 * the request's context plus its own progress channel and cancellation signal.
 */
export function createSparkMcpServer({ budgetMs, ...base }: RequestContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    // Spark never asks the client for input, so no JSON Schema validator is needed (the default, Ajv, compiles code at run time).
    jsonSchemaValidator: { getValidator: () => () => ({ valid: false, data: undefined, errorMessage: 'Spark does not validate client JSON Schemas' }) },
  });
  for (const name of MCP_TOOL_NAMES) {
    const { description, input } = MCP_TOOLS[name];
    server.registerTool(name, { description, inputSchema: input }, async (args: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => {
      const token = extra._meta?.progressToken;
      let step = 0;
      const ctx: ToolContext = {
        ...base,
        deadline: Date.now() + budgetMs,
        signal: extra.signal,
        progress: async (message) => {
          if (token === undefined) return;
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ++step, message } });
        },
      };
      return callTool(name, ctx, args);
    });
  }
  return server;
}

/** Runs one tool; what it refuses or fails at becomes an `isError` result the client can read. */
export async function callTool(name: McpToolName, ctx: ToolContext, args: unknown): Promise<CallToolResult> {
  try {
    return toResult(await (TOOL_HANDLERS[name] as ToolHandler<McpToolName>)(ctx, args as never));
  } catch (err) {
    if (err instanceof ToolError) return errorResult(err.code, err.message, err.path, err.detail);
    if (err instanceof HttpError) return errorResult(err.code, err.message, err.path);
    logError(`mcp tool ${name} failed`, err);
    return errorResult('internal', 'the tool failed inside Spark');
  }
}

function toResult(outcome: ToolOutcome): CallToolResult {
  const json = JSON.stringify(outcome.structured, null, 2);
  return {
    content: [...(outcome.summary ? [{ type: 'text' as const, text: outcome.summary }] : []), { type: 'text', text: json }, ...(outcome.images ?? []).map((i) => ({ type: 'image' as const, data: i.data, mimeType: i.mimeType }))],
    structuredContent: outcome.structured,
  };
}

function errorResult(code: string, message: string, path?: string, detail?: Record<string, unknown>): CallToolResult {
  const error = { code, message, ...(path ? { path } : {}), ...detail };
  return { isError: true, content: [{ type: 'text', text: `${code}: ${message}${path ? ` (${path})` : ''}` }], structuredContent: { error } };
}
