/** Names of one thing in each convention the repository uses. */
export interface Names {
  /** get_ticket_sla (a tool's wire name) or hr-reader (a server) as given. */
  readonly raw: string;
  /** get-ticket-sla: file names. */
  readonly kebab: string;
  /** getTicketSla: variables. */
  readonly camel: string;
  /** GetTicketSla: types. */
  readonly pascal: string;
  /** GET_TICKET_SLA: constants and environment variables. */
  readonly constant: string;
  /** "Get ticket sla": a default title. */
  readonly title: string;
}

export function names(raw: string): Names {
  const words = raw.split(/[-_]/).filter(Boolean);
  const capitalised = words.map((word) => word[0]!.toUpperCase() + word.slice(1));
  return {
    raw,
    kebab: words.join('-'),
    camel: words[0]! + capitalised.slice(1).join(''),
    pascal: capitalised.join(''),
    constant: words.join('_').toUpperCase(),
    title: [capitalised[0], ...words.slice(1)].join(' '),
  };
}

/** A string as a single-quoted TypeScript literal. */
export function quoted(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/[\u2028\u2029]/g, ' ')}'`;
}
