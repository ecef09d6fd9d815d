/**
 * A source whose first read answers with a value already read (in the same SSM call as a cold
 * start's secrets); every later read, the TTL's refreshes, goes to the source. Without a value
 * the source is returned as it is.
 */
export function readAheadOnce<S extends { read(): Promise<unknown> }>(source: S, value: string | undefined): S {
  if (value === undefined) return source;
  let first: string | undefined = value;
  return {
    ...source,
    read() {
      if (first === undefined) return source.read();
      const answer = first;
      first = undefined;
      return Promise.resolve(answer);
    },
  };
}
