// The Unity MCP client: connection and profile detection, and the typed result envelope.
export { createUnityMcpClient, DEFAULT_UNITY_MCP_URL } from './client';
export type { CallToolOptions, UnityHealth, UnityMcpClient, UnityMcpClientOptions } from './client';
export { parseToolResult, unityEnvelope } from './envelope';
export type { ToolImage, ToolResult, UnityEnvelope } from './envelope';
export { detectProfile, SEED_TOOLS, UNITY_MCP_TOOLS } from './profile';
export type { McpProfile, ProfileSetting } from './profile';
