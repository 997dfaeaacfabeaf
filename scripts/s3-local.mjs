// A local S3-compatible server (s3rver, the one the tests use) with one bucket, to try an S3 remote before
// having a bucket: `npm run s3-local` in this folder, then the printed lines in your project's shell.
// Options: --port N (default 4568), --bucket NAME (default models), --dir DIR (where the objects are kept;
// default a folder in the temp directory, kept between runs). Ctrl-C stops it.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import S3rver from 's3rver';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4568' },
    bucket: { type: 'string', default: 'models' },
    dir: { type: 'string', default: join(tmpdir(), 'mv-s3-local') },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port ${values.port} is not a port number.\n`);
  process.exit(2);
}
const directory = resolve(values.dir);
mkdirSync(directory, { recursive: true });

const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: values.bucket, configs: [] }] });
const { port: listening } = await server.run();
const endpoint = `http://127.0.0.1:${listening}`;

process.stdout.write(`S3-compatible server (s3rver) at ${endpoint}, bucket "${values.bucket}", objects kept in ${directory}.

In your project's shell (s3rver accepts the key pair S3RVER/S3RVER):

  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
  mvr remote add try-s3 s3://${values.bucket}/registry --endpoint ${endpoint}
  mvr push --all -r try-s3
  mvr verify -r try-s3

(or, without adding a remote: AWS_ENDPOINT_URL_S3=${endpoint} MV_REMOTE=s3://${values.bucket}/registry mvr push --all)

Ctrl-C stops the server.
`);

const stop = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
