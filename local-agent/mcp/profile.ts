// Which tool vocabulary the Unity MCP server speaks, decided from its tool list at connect time.
import type { AgentInfo } from '../../contracts/ws';

export type McpProfile = NonNullable<AgentInfo['profile']>;
export type ProfileSetting = 'auto' | McpProfile;

/** CoplayDev/unity-mcp tools the executor uses. */
export const UNITY_MCP_TOOLS = ['create_script', 'apply_text_edits', 'get_sha', 'manage_camera', 'manage_asset', 'manage_build'] as const;
/** The seed's server: one tool per Spark operation, taking the operation's own arguments. */
export const SEED_TOOLS = [
  'generate_script',
  'apply_patch',
  'render_preview',
  'ingest_asset',
  'deconstruct_asset',
  'run_build',
  'build_status',
] as const;

/**
 * The profile whose tools the server has more of (ties favour unity-mcp, the real server);
 * null when it has none of either, i.e. it is not a Unity MCP server we know.
 */
export function detectProfile(toolNames: Iterable<string>): McpProfile | null {
  const names = new Set(toolNames);
  const unity = UNITY_MCP_TOOLS.filter((t) => names.has(t)).length;
  const seed = SEED_TOOLS.filter((t) => names.has(t)).length;
  if (unity === 0 && seed === 0) return null;
  return unity >= seed ? 'unity-mcp' : 'seed';
}
