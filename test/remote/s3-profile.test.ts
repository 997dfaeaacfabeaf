/** A named AWS profile that does not exist is reported with its name and where it was looked for. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectS3 } from '../../src/remote/s3-client.js';
import { tempDir } from '../helpers/git-repo.js';

const OPTIONS = { sockets: 2, stallTimeoutMs: 5000 };

async function home(files: { config?: string; credentials?: string } = {}): Promise<string> {
  const dir = await tempDir('mv-aws-home-');
  await mkdir(join(dir, '.aws'));
  if (files.config !== undefined) await writeFile(join(dir, '.aws/config'), files.config);
  if (files.credentials !== undefined) await writeFile(join(dir, '.aws/credentials'), files.credentials);
  return dir;
}

describe('AWS profiles', () => {
  it("a missing profile, from the remote's settings or AWS_PROFILE, is named", async () => {
    const dir = await home({ config: '[profile other]\nregion = eu-west-1\n' });
    await expect(connectS3({ url: 's3://b/p', profile: 'minio' }, { ...OPTIONS, env: { HOME: dir } })).rejects.toMatchObject({
      code: 'NO_CREDENTIALS',
      message: `The AWS profile "minio" (from the remote's \`profile\` setting) is not in ${join(dir, '.aws/config')} or ${join(dir, '.aws/credentials')}.`,
      hint: expect.stringContaining('aws configure --profile minio'),
    });
    await expect(connectS3({ url: 's3://b/p' }, { ...OPTIONS, env: { HOME: dir, AWS_PROFILE: 'ci' } })).rejects.toMatchObject({
      code: 'NO_CREDENTIALS',
      message: expect.stringContaining('The AWS profile "ci" (from AWS_PROFILE)'),
    });
  });

  it('a profile in either file, or explicit keys, is accepted', async () => {
    const dir = await home({ config: '[profile minio]\nregion = us-east-1\n', credentials: '[ci]\naws_access_key_id = x\naws_secret_access_key = y\n' });
    const env = { HOME: dir };
    await expect(connectS3({ url: 's3://b/p', profile: 'minio' }, { ...OPTIONS, env })).resolves.toHaveProperty('client');
    await expect(connectS3({ url: 's3://b/p' }, { ...OPTIONS, env: { ...env, AWS_PROFILE: 'ci' } })).resolves.toHaveProperty('client');
    await expect(connectS3({ url: 's3://b/p', profile: 'gone', access_key_id: 'k', secret_access_key: 's' }, { ...OPTIONS, env })).resolves.toHaveProperty('client');
    const custom = join(dir, 'elsewhere.ini');
    await writeFile(custom, '[profile moved]\n');
    await expect(connectS3({ url: 's3://b/p', profile: 'moved' }, { ...OPTIONS, env: { ...env, AWS_CONFIG_FILE: custom } })).resolves.toHaveProperty('client');
  });
});
