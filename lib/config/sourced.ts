/** A tenant entry with where it came from: file, position, for messages that name the line. */
import type { TenantInput } from './schema';

/** Something that can say `file:line:col` for a path inside it (a parsed config file). */
export interface Locatable {
  locate(path: readonly PropertyKey[]): string;
}

export interface SourcedTenant {
  readonly input: TenantInput;
  readonly source: Locatable;
  readonly index: number;
}

/** `file:line:col` of a tenant entry. Computed only when a message needs it. */
export function tenantLocation(entry: Pick<SourcedTenant, 'source' | 'index'>): string {
  return entry.source.locate(['tenants', entry.index]);
}
