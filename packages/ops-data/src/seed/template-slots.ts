import { firstName, SLOT_VOCABULARY, TEST_NAMES, type Service } from './seed-catalog';
import type { Random } from './seed-random';

/** The people a record's text can name. */
export interface SlotPeople {
  readonly requester?: string;
  readonly assignee?: string | null;
  readonly colleague?: string;
}

type SlotValue = (random: Random, service: Service, people: SlotPeople, slot: (name: string) => string) => string;

const SLOT = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Fills `{slot}` placeholders for one record. Each slot is drawn once per record, so the
 * title, the description and the comments agree. An unknown slot, or a person the record
 * does not have, is a mistake in a scenario and throws.
 */
export function createSlotFiller(random: Random, service: Service, people: SlotPeople): (template: string) => string {
  const values = new Map<string, string>();
  const slot = (name: string): string => {
    const known = values.get(name);
    if (known !== undefined) return known;
    const value = drawSlot(name, random, service, people, slot);
    values.set(name, value);
    return value;
  };
  return (template) => template.replace(SLOT, (_placeholder, name: string) => slot(name));
}

function drawSlot(name: string, random: Random, service: Service, people: SlotPeople, slot: (name: string) => string): string {
  const computed = COMPUTED_SLOTS[name];
  if (computed) return computed(random, service, people, slot);
  const vocabulary = SLOT_VOCABULARY[name];
  if (vocabulary) return random.pick(vocabulary);
  throw new Error(`Unknown template slot {${name}}`);
}

const COMPUTED_SLOTS: Readonly<Record<string, SlotValue>> = {
  service: (_random, service) => service.id,
  repo: (_random, service) => service.repo,
  testName: (random, service) => random.pick(TEST_NAMES[service.id]),
  host: (random, service) => hostName(service, random.int(1, 8)),
  host2: (random, service, _people, slot) => hostName(service, (hostNumber(slot('host')) % 8) + 1),
  requesterFirst: (_random, _service, people) => firstName(required(people.requester, 'requester')),
  assigneeFirst: (_random, _service, people) => firstName(required(people.assignee, 'assignee')),
  colleagueFirst: (_random, _service, people) => firstName(required(people.colleague, 'colleague')),
  assetTag: (random) => `LT-${random.int(10000, 99999)}`,
  count: (random) => String(random.int(3, 40)),
  minutes: (random) => String(random.int(8, 55)),
  percent: (random) => String(random.int(12, 85)),
  days: (random) => String(random.int(5, 21)),
  week: (random) => String(random.int(1, 52)),
  latency: (random) => withThousands(random.int(9, 48) * 100),
  port: (random) => String(random.pick([22, 443, 5432, 6379, 8443, 9092])),
  pr: (random) => String(random.int(1200, 9800)),
  customers: (random) => withThousands(random.int(2, 90) * 100),
  queueDepth: (random) => withThousands(random.int(20, 900) * 1000),
  amount: (random) => `$${withThousands(random.int(12, 480) * 100)}`,
  orderId: (random) => `ord_${base36(random, 10)}`,
  invoiceId: (random) => `INV-${random.int(100000, 999999)}`,
  desk: (random) => `D${random.int(2, 5)}-${random.int(10, 60)}`,
  subnet: (random) => `10.${random.int(20, 90)}.0.0/16`,
  version: (random) => `v${random.int(2, 4)}.${random.int(1, 30)}.${random.int(0, 9)}`,
  previousVersion: (_random, _service, _people, slot) => previousMinor(slot('version')),
};

function hostName(service: Service, number: number): string {
  return `${service.hostPrefix}-${number}.${service.hostDomain}`;
}

function hostNumber(host: string): number {
  const match = /-(\d+)\./.exec(host);
  return Number(match?.[1] ?? 1);
}

function previousMinor(version: string): string {
  const [major = 'v1', minor = '1'] = version.split('.');
  return `${major}.${Math.max(0, Number(minor) - 1)}.${Number(minor) > 1 ? 4 : 0}`;
}

function required(handle: string | null | undefined, role: string): string {
  if (!handle) throw new Error(`Template names the ${role}, but the record has none`);
  return handle;
}

function withThousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function base36(random: Random, length: number): string {
  return Array.from({ length }, () => random.int(0, 35).toString(36)).join('');
}
