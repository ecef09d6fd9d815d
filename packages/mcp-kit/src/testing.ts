/**
 * Test support for app authors (`@gmcp/mcp-kit/testing`): run one tool the way the server
 * does, without a server. Governance is tested through a running server (e2e/).
 */
export { invokeTool, type InvokeToolOptions, type InvokedTool } from './testing/invoke-tool';
