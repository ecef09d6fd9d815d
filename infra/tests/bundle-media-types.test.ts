import { readFileSync } from 'node:fs';
import { SERVED_MEDIA_TYPES } from '../src/bundle';

// The Lambda bundles keep only these of mime-db's types: each must be one mime-db knows (a typo
// would silently lose its charset and extensions), with what express and type-is look up.
describe('the media types a bundle keeps', () => {
  const db = JSON.parse(readFileSync(require.resolve('mime-db/db.json'), 'utf8')) as Record<string, { charset?: string; extensions?: string[] }>;

  it('are all known to mime-db', () => {
    expect(SERVED_MEDIA_TYPES.filter((type) => !db[type])).toEqual([]);
  });

  it('include what the servers answer and parse: JSON with its charset, HTML and CSS by extension, OAuth forms', () => {
    expect(db['application/json']?.charset).toBe('UTF-8');
    const byExtension = (extension: string) => SERVED_MEDIA_TYPES.find((type) => db[type]?.extensions?.includes(extension));
    expect([byExtension('json'), byExtension('html'), byExtension('css')]).toEqual(['application/json', 'text/html', 'text/css']);
    expect(SERVED_MEDIA_TYPES).toContain('application/x-www-form-urlencoded');
  });
});
