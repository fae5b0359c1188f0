import type { McpToolInput, McpToolName } from '../../../contracts/mcp-tools';
import type { ToolContext, ToolOutcome } from '../context';
import { buildStatusTool, runBuildTool } from './builds';
import { queryEventsTool } from './events';
import { listChangesTool, rollbackTool, undoTool } from './history';
import { applyPresetTool } from './presets';
import { renderPreviewTool } from './preview';
import { deleteScriptTool, listScriptsTool, patchScriptTool, readConsoleTool, readScriptTool, writeScriptTool } from './scripts';
import { createSessionTool, listSessionsTool } from './sessions';

export type ToolHandler<N extends McpToolName> = (ctx: ToolContext, input: McpToolInput<N>) => Promise<ToolOutcome>;

/** Every tool of contracts/mcp-tools.ts and the function that runs it (a missing one is a type error). */
export const TOOL_HANDLERS: { [N in McpToolName]: ToolHandler<N> } = {
  list_sessions: listSessionsTool,
  create_session: createSessionTool,
  list_scripts: listScriptsTool,
  read_script: readScriptTool,
  write_script: writeScriptTool,
  patch_script: patchScriptTool,
  delete_script: deleteScriptTool,
  render_preview: renderPreviewTool,
  run_build: runBuildTool,
  build_status: buildStatusTool,
  read_console: readConsoleTool,
  list_changes: listChangesTool,
  undo: undoTool,
  rollback: rollbackTool,
  apply_preset: applyPresetTool,
  query_events: queryEventsTool,
};
