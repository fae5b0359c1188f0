// The assistant's tools are the remote MCP server's: the same definitions (contracts/mcp-tools.ts),
// the same input checks and the same functions (edge/mcp/server.ts callTool), so every call the
// model makes is an ordinary Spark operation, in the activity list and the history, and undoable.
import { firstIssue } from '../../contracts/errors';
import { MCP_TOOLS, type McpToolName } from '../../contracts/mcp-tools';
import type { ToolContext } from '../mcp/context';
import { callTool } from '../mcp/server';

export const isToolName = (name: string): name is McpToolName => Object.hasOwn(MCP_TOOLS, name);

export interface ToolAnswer {
  isError: boolean;
  /** What the model reads: the tool's text blocks (images are named, not sent). */
  text: string;
}

/** Runs one tool call of the model: arguments checked as the MCP endpoint checks them, then the tool. */
export async function runToolCall(ctx: ToolContext, name: string, rawArguments: string): Promise<ToolAnswer> {
  if (!isToolName(name)) return { isError: true, text: `unknown_tool: there is no tool ${name}` };
  let args: unknown;
  try {
    args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch {
    return { isError: true, text: 'invalid_arguments: the arguments are not JSON' };
  }
  const parsed = MCP_TOOLS[name].input.safeParse(args);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, args);
    return { isError: true, text: `invalid_arguments: ${issue.message}${issue.path ? ` (${issue.path})` : ''}` };
  }
  const result = await callTool(name, ctx, parsed.data);
  const text = result.content.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join('\n');
  return { isError: result.isError === true, text };
}
