/** Checks of what library callers pass to the transfer commands: a wrong value is a usage error naming it. */
import { UsageError } from '../errors.js';

export function checkRefs(refs: unknown, option = 'refs'): string[] | undefined {
  if (refs === undefined) return undefined;
  if (!Array.isArray(refs) || !refs.every((ref) => typeof ref === 'string' && ref.length > 0)) {
    throw new UsageError(`${option} must be a list of refs (name, name@vX.Y.Z or name#stage).`, 'e.g. mvr push churn@v1.2.0 churn#production');
  }
  return refs as string[];
}

export function checkRemoteOption(remote: unknown): string | undefined {
  if (remote === undefined) return undefined;
  if (typeof remote !== 'string' || remote.trim() === '') throw new UsageError('remote must be a remote name or URL.', 'e.g. -r origin or -r s3://bucket/prefix');
  return remote;
}
