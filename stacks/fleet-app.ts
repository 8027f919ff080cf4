import './cdktf-compat';
import { App } from 'cdktf';
import type { TenantConfig } from '../lib/config/resolve';
import { TenantStack } from './tenant-stack';

export interface FleetAppProps {
  /** Tenants to synthesize: one stack each. */
  readonly tenants: readonly TenantConfig[];
  /** Output folder. @default 'cdktf.out' (or CDKTF_OUTDIR when cdktf runs the app) */
  readonly outdir?: string;
}

/** The cdktf App holding one TenantStack per selected tenant. */
export function buildFleetApp(props: FleetAppProps): App {
  const app = new App({ outdir: props.outdir, skipValidation: false });
  for (const tenant of props.tenants) new TenantStack(app, { tenant });
  return app;
}
