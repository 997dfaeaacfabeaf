/** Environment variables for in-process commands. */

/**
 * Runs `work` with `env` set in this test process, as `env X=… mvr …` would run a command (a variable
 * given as undefined is unset): the library and the git it starts read dates, identities and settings
 * from there. Tests in a file run one at a time.
 */
export async function withEnv<T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}
