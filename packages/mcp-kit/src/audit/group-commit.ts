/**
 * Group commit: a write starts at once when none is in flight; records appended while one is
 * in flight wait for it and are then written together, up to `maxBatch` at a time. Each
 * append resolves only once the write that holds its record has succeeded, and rejects with
 * that write's error otherwise: no caller hears "written" for a record that is not.
 */
export function groupCommit<T>(options: {
  writeOne(item: T): Promise<void>;
  /** All of them or none of them (one transaction). */
  writeAll(items: T[]): Promise<void>;
  /** A batch refused for one of its items, not for the whole store: each is then written alone, for an answer of its own. */
  refusedForAnItem(error: unknown): boolean;
  maxBatch: number;
}): (item: T) => Promise<void> {
  const queue: { item: T; resolve(): void; reject(error: unknown): void }[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch);
      try {
        await (batch.length === 1 ? options.writeOne(batch[0]!.item) : options.writeAll(batch.map((entry) => entry.item)));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        if (batch.length > 1 && options.refusedForAnItem(error)) await Promise.all(batch.map((entry) => options.writeOne(entry.item).then(entry.resolve, entry.reject)));
        else for (const entry of batch) entry.reject(error);
      }
    }
    writing = false;
  }

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!writing) void drain();
    });
}
