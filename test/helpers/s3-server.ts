/** A real S3-compatible server (s3rver) on a free loopback port, with one bucket, stopped after the test. */
import { afterAll, afterEach } from 'vitest';
import S3rver from 's3rver';
import { suiteDir, tempDir } from './git-repo.js';

export interface S3Server {
  endpoint: string;
  port: number;
  bucket: string;
  /** Environment for the AWS chain: dummy keys, region and the endpoint. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const running: S3rver[] = [];
const runningForSuite: S3rver[] = [];

afterEach(async () => {
  while (running.length) await running.pop()!.close().catch(() => undefined);
});

afterAll(async () => {
  while (runningForSuite.length) await runningForSuite.pop()!.close().catch(() => undefined);
});

export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

/** A server with one bucket, stopped after the test (with `suite`, after the file's last test). */
export async function s3Server(options: { bucket?: string; suite?: boolean } = {}): Promise<S3Server> {
  const bucket = options.bucket ?? 'models';
  const directory = options.suite ? await suiteDir('mv-s3rver-') : await tempDir('mv-s3rver-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  (options.suite ? runningForSuite : running).push(server);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    bucket,
    env: { ...S3_CREDENTIALS, AWS_ENDPOINT_URL_S3: endpoint },
    close: () => server.close(),
  };
}

/** Sets the AWS variables in this test process (each test file runs in its own process). */
export function useS3Environment(env: Record<string, string>): void {
  Object.assign(process.env, env);
}
