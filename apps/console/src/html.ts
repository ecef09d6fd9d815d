/** A URL query of the values that are set (empty and undefined ones left out): what list links and API calls carry. */
export function queryString(values: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')).toString();
}

/** Text made safe for HTML: every value interpolated into a page goes through here. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Markup that is already safe (built by `html`), so that it is not escaped twice. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * A tagged template for pages: interpolated values are escaped unless they are SafeHtml (or
 * arrays of it), so that arguments, reasons and names from users and assistants render inert.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const part = (value: unknown): string => {
    if (value instanceof SafeHtml) return value.text;
    if (Array.isArray(value)) return value.map(part).join('');
    if (value === undefined || value === null || value === false) return '';
    return escapeHtml(value);
  };
  return new SafeHtml(strings.reduce((out, text, index) => out + text + (index < values.length ? part(values[index]) : ''), ''));
}
