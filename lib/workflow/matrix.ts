/**
 * `gwkit matrix`: the selected tenants as a CI matrix, so that GitHub Actions or GitLab run one
 * `cdktf deploy` per tenant, or per shard of tenants, in parallel on their own runners.
 *
 *   { "include": [ { "shard": 1, "tenants": "acme globex", "selection": "acme,globex" }, ... ] }
 *
 * `tenants` is what `cdktf deploy` takes (stack names, space separated); `selection` is what
 * GWKIT_TENANTS takes (comma separated), so that each runner synthesizes only its own stacks.
 */
import { InputError } from '../errors';

export interface MatrixEntry {
  readonly shard: number;
  readonly tenants: string;
  readonly selection: string;
  readonly count: number;
}

/** GitHub Actions allows at most 256 jobs per matrix. */
export const MAX_MATRIX_JOBS = 256;

export function fleetMatrix(tenants: readonly { readonly id: string }[], shards?: number): { include: MatrixEntry[] } {
  const ids = tenants.map((t) => t.id);
  const count = shards ?? ids.length;
  if (!Number.isInteger(count) || count < 1) throw new InputError('--shards must be a whole number of at least 1');
  if (count > MAX_MATRIX_JOBS) {
    throw new InputError(
      `${ids.length} tenants make ${count} jobs, more than the ${MAX_MATRIX_JOBS} a GitHub Actions matrix allows: use --shards ${MAX_MATRIX_JOBS} or fewer`,
    );
  }
  // Round-robin keeps shards within one tenant of each other.
  const groups: string[][] = Array.from({ length: Math.min(count, ids.length) }, () => []);
  for (const [i, id] of ids.entries()) groups[i % groups.length]!.push(id);
  return { include: groups.map((g, i) => ({ shard: i + 1, tenants: g.join(' '), selection: g.join(','), count: g.length })) };
}
