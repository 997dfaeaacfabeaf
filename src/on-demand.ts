/** Work done only if, and when, it is first needed. */

/**
 * `make`'s promise, made on the first call and kept for the later ones. A promise that failed is not
 * kept: the next call tries again.
 */
export function onDemand<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
}
