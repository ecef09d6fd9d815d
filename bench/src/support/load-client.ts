// A load generator in a process of its own, as assistants are: CLIENTS MCP clients calling one
// tool CALLS times each, concurrently. Prints one JSON line: calls/s, p50 and p99 in ms.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { percentile } from './bench-platform';

export interface LoadFigures {
  perSecond: number;
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  const { url, token, tool, args, clients: count, calls } = JSON.parse(process.argv[2]!) as { url: string; token?: string; tool: string; args: Record<string, unknown>; clients: number; calls: number };
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      return client;
    }),
  );
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < calls; i += 1) {
        const sent = performance.now();
        const result = await client.callTool({ name: tool, arguments: args });
        samples.push(performance.now() - sent);
        if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.close()));
  const figures: LoadFigures = { perSecond: samples.length / seconds, p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
