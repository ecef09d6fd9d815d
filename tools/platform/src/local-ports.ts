import { createServer } from 'node:net';
import { LOCAL_HOST, LOCAL_SERVICES, localPort, type LocalServiceName } from './local-contract';

type Env = Record<string, string | undefined>;

/**
 * Which of the local contract's ports are taken, checked all at once before anything starts,
 * so that a second `npm start` (or another program) is reported in one message that names
 * each component and the variable that moves it, not as the first bare EADDRINUSE.
 */
export async function takenPorts(names: readonly LocalServiceName[], env: Env): Promise<string | undefined> {
  const checks = await Promise.all(names.map(async (name) => ({ name, port: localPort(name, env), free: await isFree(localPort(name, env)) })));
  const taken = checks.filter((check) => !check.free);
  if (taken.length === 0) return undefined;
  const listed = taken.map(({ name, port }) => `  ${port}  ${name} (move it with ${LOCAL_SERVICES[name].portVariable})`).join('\n');
  const moved = taken.map(({ name, port }) => `${LOCAL_SERVICES[name].portVariable}=${port + 1000}`).join(' ');
  return `These ports on ${LOCAL_HOST} are in use, by another npm start or another program:\n${listed}\nStop it, or start on other ports: ${moved} npm start (a terminal that runs npm run token needs the same variables).`;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, LOCAL_HOST, () => probe.close(() => resolve(true)));
  });
}
