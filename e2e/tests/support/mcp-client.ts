import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type Handshake = 'legacy' | 'modern';

/** Connects the SDK's own client: the default 2025-era handshake, or 2026-07-28 negotiation. */
export async function connectClient(url: string, token: string, handshake: Handshake, { elicitation = false } = {}): Promise<Client> {
  const options = {
    ...(handshake === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {}),
    ...(elicitation ? { capabilities: { elicitation: { form: {} } } } : {}),
  };
  const client = new Client({ name: 'e2e', version: '1.0.0' }, options);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}
