/**
 * The hand-written world the seed data is drawn from: a mid-sized company (Brightlane)
 * with its teams, people, production services and the vocabulary that fills `{slot}`
 * placeholders in scenario text. Ticket and incident scenarios live in the
 * `*-scenarios.ts` files next to this one.
 */

export const TICKET_STATUSES = ['open', 'in_progress', 'waiting', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export type TicketResolution = 'fixed' | 'wont_fix' | 'duplicate' | 'cannot_reproduce';

export const INCIDENT_SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const INCIDENT_STATUSES = ['investigating', 'identified', 'mitigated', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export type TimelineKind = 'detected' | 'update' | 'action' | 'status_change' | 'severity_change' | 'mitigated' | 'resolved';

/** Teams that work tickets. */
export const RESOLVER_TEAMS = [
  'service-desk',
  'network',
  'identity',
  'platform',
  'sre',
  'payments-eng',
  'commerce',
  'data',
  'messaging',
  'mobile',
  'security',
  'workplace',
] as const;
export type ResolverTeam = (typeof RESOLVER_TEAMS)[number];
/** Teams whose people only raise tickets. */
export type BusinessTeam = 'finance' | 'sales' | 'marketing' | 'customer-support' | 'legal';
export type Team = ResolverTeam | BusinessTeam;

export interface Person {
  readonly handle: string;
  readonly team: Team;
}

const people = (team: Team, ...handles: string[]): Person[] => handles.map((handle) => ({ handle, team }));

export const PEOPLE: readonly Person[] = [
  ...people('service-desk', 'amira.haddad', 'jonas.weber', 'lucia.ferreira', 'kofi.mensah'),
  ...people('network', 'tomasz.nowak', 'priya.raman', 'erik.johansson', 'nadia.rahman'),
  ...people('identity', 'li.wei', 'hannah.oconnor', 'omar.farouk'),
  ...people('platform', 'diego.fernandez', 'yuki.tanaka', 'felix.hoffmann', 'sara.lindqvist'),
  ...people('sre', 'kwame.asante', 'chloe.dubois', 'viktor.ivanov', 'maya.goldberg'),
  ...people('payments-eng', 'raj.patel', 'elena.popescu', 'gabriel.silva', 'ines.moreau'),
  ...people('commerce', 'marcus.johnson', 'mei.chen', 'mateo.rossi'),
  ...people('data', 'aisha.bello', 'noah.fischer', 'julia.kowalska'),
  ...people('messaging', 'daniel.kim', 'zara.ahmed', 'paula.mendes'),
  ...people('mobile', 'kenji.sato', 'olivia.grant', 'hugo.lefevre'),
  ...people('security', 'leila.moradi', 'samuel.okafor', 'anna.novak', 'tariq.aziz'),
  ...people('workplace', 'isabel.costa', 'ben.carter', 'fatima.zahra'),
  ...people('finance', 'nora.brennan', 'ahmed.karim'),
  ...people('sales', 'lucas.martin', 'ingrid.solberg'),
  ...people('marketing', 'sofia.marquez', 'yusuf.demir'),
  ...people('customer-support', 'grace.owusu', 'pedro.alves'),
  ...people('legal', 'margot.leroy'),
];

export function membersOf(team: Team): readonly string[] {
  return PEOPLE.filter((person) => person.team === team).map((person) => person.handle);
}

/** `amira.haddad` → `Amira`. */
export function firstName(handle: string): string {
  const first = handle.split('.')[0] ?? handle;
  return first.charAt(0).toUpperCase() + first.slice(1);
}

/** People who run incidents as commander. */
export const INCIDENT_COMMANDERS: readonly string[] = [
  'kwame.asante',
  'chloe.dubois',
  'viktor.ivanov',
  'maya.goldberg',
  'diego.fernandez',
  'sara.lindqvist',
];

export const SERVICE_IDS = [
  'payments',
  'checkout',
  'login',
  'search',
  'notifications',
  'billing',
  'api-gateway',
  'data-warehouse',
  'mobile-app',
  'email-delivery',
  'vpn',
] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

export interface Service {
  readonly id: ServiceId;
  readonly team: ResolverTeam;
  /** Hosts are `<prefix>-<n>.<domain>`. */
  readonly hostPrefix: string;
  readonly hostDomain: string;
  readonly repo: string;
}

export const SERVICES: Readonly<Record<ServiceId, Service>> = {
  payments: { id: 'payments', team: 'payments-eng', hostPrefix: 'pay-api', hostDomain: 'prod.internal', repo: 'payments-api' },
  checkout: { id: 'checkout', team: 'commerce', hostPrefix: 'checkout-web', hostDomain: 'prod.internal', repo: 'checkout-web' },
  login: { id: 'login', team: 'identity', hostPrefix: 'auth-svc', hostDomain: 'prod.internal', repo: 'auth-service' },
  search: { id: 'search', team: 'commerce', hostPrefix: 'search-api', hostDomain: 'prod.internal', repo: 'search-service' },
  notifications: { id: 'notifications', team: 'messaging', hostPrefix: 'notif-worker', hostDomain: 'prod.internal', repo: 'notification-worker' },
  billing: { id: 'billing', team: 'payments-eng', hostPrefix: 'billing-svc', hostDomain: 'prod.internal', repo: 'billing-engine' },
  'api-gateway': { id: 'api-gateway', team: 'platform', hostPrefix: 'edge-gw', hostDomain: 'prod.internal', repo: 'edge-gateway' },
  'data-warehouse': { id: 'data-warehouse', team: 'data', hostPrefix: 'dwh-etl', hostDomain: 'prod.internal', repo: 'warehouse-pipelines' },
  'mobile-app': { id: 'mobile-app', team: 'mobile', hostPrefix: 'mobile-bff', hostDomain: 'prod.internal', repo: 'mobile-bff' },
  'email-delivery': { id: 'email-delivery', team: 'messaging', hostPrefix: 'mail-relay', hostDomain: 'prod.internal', repo: 'mail-relay' },
  vpn: { id: 'vpn', team: 'network', hostPrefix: 'vpn-gw', hostDomain: 'corp.internal', repo: 'network-config' },
};

/** Test names CI reports for each service's repository. */
export const TEST_NAMES: Readonly<Record<ServiceId, readonly string[]>> = {
  payments: ['PaymentRetryTest.retriesOnGatewayTimeout', 'RefundServiceIT.refundsPartialCapture'],
  checkout: ['CheckoutFlowSpec > applies promo code to discounted basket', 'checkout.e2e.ts > completes guest checkout'],
  login: ['session-refresh.e2e.ts > refreshes token before expiry', 'SamlLoginTest.acceptsRotatedCertificate'],
  search: ['SearchIndexerIT.reindexesAfterCatalogUpdate', 'test_synonym_expansion_multiword'],
  notifications: ['push-delivery.spec.ts > batches Android tokens', 'TemplateRendererTest.rendersLocalizedSubject'],
  billing: ['test_invoice_rounding_multi_currency', 'test_dunning_retries_failed_renewal'],
  'api-gateway': ['route_config_test.go: TestUpstreamHealthCheck', 'ratelimit_test.go: TestBurstAllowance'],
  'data-warehouse': ['test_orders_daily_dedup', 'test_customer_dim_scd2'],
  'mobile-app': ['FeedControllerTest.returnsPagedFeed', 'feed.contract.test.ts > matches Android schema'],
  'email-delivery': ['DkimSignerTest.signsWithActiveSelector', 'bounce-handler.spec.ts > suppresses hard bounces'],
  vpn: ['test_gateway_config_render', 'test_split_tunnel_routes'],
};

/**
 * Fixed vocabulary for `{slot}` placeholders. Slots computed per record (people, hosts,
 * numbers, ids) are defined by the generator in `template-slots.ts`.
 */
export const SLOT_VOCABULARY: Readonly<Record<string, readonly string[]>> = {
  region: ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-2'],
  office: ['Berlin', 'Lisbon', 'Dublin', 'Austin', 'Toronto'],
  floor: ['2nd floor', '3rd floor', '4th floor', '5th floor'],
  laptop: ['MacBook Pro 14" M3', 'MacBook Air 13" M2', 'Dell Latitude 7440', 'ThinkPad X1 Carbon Gen 11', 'MacBook Pro 16" M1 Pro'],
  macos: ['macOS 14.6.1', 'macOS 15.1', 'macOS 15.2', 'macOS 14.7'],
  windows: ['Windows 11 23H2', 'Windows 11 24H2', 'Windows 10 22H2'],
  vpnClient: ['GlobalProtect 6.2.1', 'GlobalProtect 6.1.4', 'GlobalProtect 6.2.3'],
  vpnGateway: ['vpn-gw-1.fra.corp.internal', 'vpn-gw-2.fra.corp.internal', 'vpn-gw-1.dub.corp.internal', 'vpn-gw-1.iad.corp.internal'],
  saasApp: ['Figma', 'Salesforce', 'Tableau', 'Miro', 'Adobe Acrobat Pro', 'Postman', 'Lucidchart', 'DocuSign', 'Zendesk'],
  devTool: ['Docker Desktop', 'IntelliJ IDEA Ultimate', 'Wireshark', 'DBeaver', 'Android Studio', 'Homebrew'],
  printer: ['PRN-BER-3F-02', 'PRN-LIS-2F-01', 'PRN-DUB-4F-03', 'PRN-AUS-1F-01'],
  monitor: ['Dell U2723QE', 'LG 27UP850', 'Dell P2422H'],
  dock: ['CalDigit TS4', 'Dell WD19TBS', 'Lenovo ThinkPad Universal USB-C Dock'],
  phone: ['iPhone 15', 'iPhone 14', 'Pixel 8', 'Samsung Galaxy S23'],
  meetingRoom: ['Berlin 3.12 Spree', 'Lisbon 2.04 Tejo', 'Dublin 4.01 Liffey', 'Austin 1.07 Colorado'],
  mailbox: ['finance-ap@brightlane.io', 'support-escalations@brightlane.io', 'partners@brightlane.io', 'press@brightlane.io'],
  newHire: ['Joana Ribeiro', 'Malik Thompson', 'Sanna Virtanen', 'Arjun Mehta', 'Clara Schmidt', 'Tobias Meyer', 'Amara Nwosu'],
  leaver: ['Patrick Doyle', 'Helena Berg', 'Rui Santos', 'Katarzyna Wojcik', 'Samir Haddou'],
  weekday: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
  domain: ['api.brightlane.io', 'partners.brightlane.io', 'status.brightlane.io', 'pay.brightlane.io', 'sso.brightlane.io', 'cdn.brightlane.io'],
  cveFinding: [
    'CVE-2024-6387 (OpenSSH "regreSSHion", openssh-server 8.9p1)',
    'CVE-2023-44487 (HTTP/2 Rapid Reset, nginx 1.22.1)',
    'CVE-2024-3094 (xz-utils 5.6.0 backdoor)',
    'CVE-2023-4863 (libwebp heap overflow, libwebp 1.2.4)',
    'CVE-2024-21626 (runc "Leaky Vessels", runc 1.1.11)',
    'CVE-2023-38545 (curl SOCKS5 heap overflow, curl 7.88.1)',
  ],
  accessGroup: [
    'okta-grp-payments-prod-read',
    'aws-sso-data-analyst',
    'okta-grp-finance-netsuite',
    'aws-sso-platform-admin',
    'okta-grp-support-zendesk-agent',
    'gh-team-checkout-maintainers',
  ],
  dbName: ['payments_ledger', 'orders', 'auth_sessions', 'billing', 'catalog', 'notifications'],
  awsAccount: ['brightlane-prod', 'brightlane-staging', 'brightlane-data', 'brightlane-shared-services'],
  phishSender: [
    'payroll-update@brlghtlane-hr.com',
    'docusign-noreply@secure-docsign.net',
    'it-helpdesk@brightlane-support.co',
    'invoices@micros0ft-billing.com',
  ],
  appVersion: ['5.12.0', '5.12.1', '5.13.0', '5.14.2'],
  androidVersion: ['Android 14', 'Android 13', 'Android 15'],
  searchQuery: ['running shoes', 'gift card', 'usb-c charger', 'linen shirt', 'espresso machine'],
  psp: ['Adyen', 'Stripe', 'Worldpay'],
  k8sVersion: ['1.28 to 1.29', '1.29 to 1.30', '1.30 to 1.31'],
  pgUpgrade: ['PostgreSQL 13.14 to 16.4', 'PostgreSQL 14.11 to 16.4', 'PostgreSQL 12.18 to 15.8'],
  nodeImage: ['node:20.15-alpine', 'node:20.17-bookworm-slim', 'node:22.9-alpine'],
  costDriver: ['NAT gateway data processing', 'CloudWatch Logs ingestion', 'S3 GET requests', 'RDS provisioned IOPS', 'cross-AZ data transfer'],
};

/** What requesters add to a ticket nobody has picked up yet. */
export const REQUESTER_NUDGES: readonly string[] = [
  `Any update on this? It is blocking part of my work this week.`,
  `Still happening, same error as in the description.`,
  `Adding a screenshot of the error message in case it helps.`,
  `A colleague on my team has the same problem since this morning.`,
  `Is there a workaround I can use in the meantime?`,
];

/** What requesters say after a fix. */
export const REQUESTER_THANKS: readonly string[] = [
  `Confirmed working on my side, thanks for the help.`,
  `All good now, thank you!`,
  `Works again. Appreciate the quick turnaround.`,
];

export function duplicateNote(originalTicketId: string): string {
  return `Closing as a duplicate of ${originalTicketId}, which tracks the same problem. Please follow that ticket for updates.`;
}
