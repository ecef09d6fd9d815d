import { createHash, randomUUID } from 'node:crypto';
import { startSnsTestEndpoint, type PublishedSnsMessage, type SnsTestEndpoint } from '@gmcp/local-aws';
import type { ApprovalRequest } from '../../src/approvals/approval-request';
import type { ApproverNotifier } from '../../src/approvals/approver-notifier';
import { createLogApproverNotifier } from '../../src/approvals/log-approver-notifier';
import { createSnsApproverNotifier, createSnsClient } from '../../src/approvals/sns-approver-notifier';
import { createLogger } from '../../src/logging/logger';
import { testApprovalRequest } from '../support/harness';

/** One notification as it left for the approvers. */
interface Delivery {
  /** What a person reads (a mail's subject and body, a log line's message and notification). */
  text: string;
  /** Everything that was sent, as it went out (with SNS's message attributes, the log line's fields). */
  raw: string;
}

interface NotifierUnderTest {
  notifier: ApproverNotifier;
  /** Notifications delivered so far, in order. */
  sent(): Delivery[];
  /** Makes delivery fail, as an outage would; the returned function ends the outage. */
  breakDelivery(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

interface NotifierAdapter {
  name: string;
  start(): Promise<NotifierUnderTest>;
}

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:gmcp-approvers';
const LOG_SERVICE = 'approver-notifier-contract';
const CONSOLE = 'https://approvals.example.com/';

/** Log lines the logger adapter wrote to stdout while the suite runs, by service name. */
const logLines: { service: string; line: string }[] = [];
beforeAll(() => {
  const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const ours = String(chunk)
      .split('\n')
      .filter((line) => line.includes(`"service":"${LOG_SERVICE}-`));
    for (const line of ours) logLines.push({ service: (JSON.parse(line) as { service: string }).service, line });
    return ours.length > 0 ? true : write(chunk, ...rest);
  });
});
afterAll(() => jest.restoreAllMocks());

const adapters: NotifierAdapter[] = [
  {
    name: 'SNS (real SNS client against a protocol-faithful endpoint)',
    async start() {
      let sns: SnsTestEndpoint | undefined = await startSnsTestEndpoint({ topics: [TOPIC] });
      const port = Number(new URL(sns.endpoint).port);
      const client = createSnsClient({ region: 'us-east-1', endpoint: sns.endpoint });
      const earlier: PublishedSnsMessage[] = [];
      return {
        notifier: createSnsApproverNotifier({ client, topicArn: TOPIC, consoleUrl: CONSOLE }),
        sent: () =>
          [...earlier, ...(sns?.published ?? [])]
            .filter((message) => message.topicArn === TOPIC)
            .map((message) => ({ text: `${message.subject ?? ''}\n${message.message}`, raw: JSON.stringify(message) })),
        async breakDelivery() {
          // The endpoint goes away (connections refused); it comes back on the same address.
          earlier.push(...sns!.published);
          await sns!.stop();
          sns = undefined;
          return async () => {
            sns = await startSnsTestEndpoint({ topics: [TOPIC], port });
          };
        },
        async stop() {
          client.destroy();
          await sns?.stop();
        },
      };
    },
  },
  {
    name: 'log (the server log, locally)',
    async start() {
      const service = `${LOG_SERVICE}-${randomUUID()}`;
      const logger = createLogger(service, 'INFO');
      return {
        notifier: createLogApproverNotifier(logger, CONSOLE),
        sent: () =>
          logLines
            .filter((entry) => entry.service === service)
            .map(({ line }) => {
              const fields = JSON.parse(line) as { message: string; notification?: string };
              return { text: `${fields.message}\n${fields.notification ?? ''}`, raw: line };
            }),
        async breakDelivery() {
          // The log cannot be written (a closed stream, a full disk surfacing as a throw).
          const failing = jest.spyOn(logger, 'info').mockImplementation(() => {
            throw new Error('log stream closed');
          });
          return async () => failing.mockRestore();
        },
        stop: async () => undefined,
      };
    },
  },
];

/** A request whose arguments hold a secret that must never reach a notification. */
function requestWithSecret(): { request: ApprovalRequest; secret: string } {
  const secret = `SECRET-MARKER-${randomUUID()}`;
  const args = JSON.stringify({ service: 'billing', database_password: secret });
  return { request: testApprovalRequest({ arguments: args, arguments_hash: createHash('sha256').update(args).digest('hex') }), secret };
}

// One contract, every adapter: approvers learn the same things, and no more, locally and on AWS.
describe.each(adapters)('ApproverNotifier contract: $name', ({ start }) => {
  const started: NotifierUnderTest[] = [];
  const begin = async () => {
    const subject = await start();
    started.push(subject);
    return subject;
  };
  afterAll(() => Promise.all(started.map((subject) => subject.stop())));

  it('tells the approvers which tool, on which server, who asks, the approval id and the deadline', async () => {
    const { notifier, sent } = await begin();
    const request = testApprovalRequest({ tool: 'restart_service', server: 'ops-writer', requester: 'alice@example.com', expires_at: '2030-01-02T03:04:05.000Z' });
    await notifier.notify(request);
    expect(sent()).toHaveLength(1);
    const { text } = sent()[0]!;
    for (const fact of ['restart_service', 'ops-writer', 'alice@example.com', request.approval_id, '2030-01-02T03:04:05.000Z']) expect(text).toContain(fact);
    // A link to act on: the request's page in the approvals console.
    expect(text).toContain(`Decide in the console: https://approvals.example.com/approvals/${request.approval_id}`);
  });

  it('never sends the arguments', async () => {
    const { notifier, sent } = await begin();
    const { request, secret } = requestWithSecret();
    await notifier.notify(request);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]!.text).toContain(request.approval_id);
    for (const { raw } of sent()) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain('database_password');
    }
  });

  it('sends one notification per request', async () => {
    const { notifier, sent } = await begin();
    const [first, second] = [testApprovalRequest(), testApprovalRequest()];
    await notifier.notify(first);
    await notifier.notify(second);
    expect(sent()).toHaveLength(2);
    expect(sent()[0]!.text).toContain(first.approval_id);
    expect(sent()[1]!.text).toContain(second.approval_id);
  });

  it('rejects when it cannot deliver, so that the workflow retries, and the retry delivers', async () => {
    const { notifier, sent, breakDelivery } = await begin();
    const request = testApprovalRequest();
    const repair = await breakDelivery();
    await expect(notifier.notify(request)).rejects.toThrow();
    expect(sent()).toHaveLength(0);
    await repair();
    await notifier.notify(request);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]!.text).toContain(request.approval_id);
  });
});
