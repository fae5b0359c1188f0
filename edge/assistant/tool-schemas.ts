// The MCP tools in the chat-completions shape (no Worker imports: unit-tested in Node).
import { z } from 'zod';
import { MCP_TOOL_NAMES, MCP_TOOLS } from '../../contracts/mcp-tools';
import type { ChatTool } from './chat';

let cached: ChatTool[] | undefined;

/** The tools in the chat-completions shape, each with its JSON Schema from the zod input. */
export function chatTools(): ChatTool[] {
  return (cached ??= MCP_TOOL_NAMES.map((name) => ({
    type: 'function' as const,
    function: { name, description: MCP_TOOLS[name].description, parameters: z.toJSONSchema(MCP_TOOLS[name].input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> },
  })));
}

