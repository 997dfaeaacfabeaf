/**
 * Runs jobs a bounded number at a time. After the first failure no further job starts and the running
 * ones are told to stop (their signal aborts); the failure is thrown once every started job has settled,
 * so the caller can clean up knowing that nothing is still reading or writing.
 */
import pLimit from 'p-limit';

export async function runLimited<T>(items: readonly T[], options: { concurrency?: number; signal?: AbortSignal }, run: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  let failure: { error: unknown } | undefined;
  await Promise.all(
    items.map((item) =>
      limit(async () => {
        if (failure || signal.aborted) return;
        try {
          await run(item, signal);
        } catch (error) {
          failure ??= { error };
          stop.abort();
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  options.signal?.throwIfAborted();
}
