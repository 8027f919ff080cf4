import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { Construct } from 'constructs';

export interface WorkspaceApisProps {
  /** Project to enable the APIs in. */
  readonly projectId: string;
  /** Service names, e.g. gmail.googleapis.com. Duplicates are ignored; order does not matter. */
  readonly services: readonly string[];
}

const SERVICE_NAME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*\.googleapis\.com$/;

/**
 * Enables Google APIs in a project.
 *
 * `disable_on_destroy` is false: disabling an API on destroy breaks whatever else uses the
 * project and races project deletion; the project's own deletion policy decides its fate.
 * Resource ids are the service names, so adding or removing a feature never replaces the others.
 */
export class WorkspaceApis extends Construct {
  /** One resource per service, sorted by name. Depend on these to avoid racing enablement. */
  readonly services: readonly ProjectService[];
  /** Service names, sorted, as plain strings (resource attributes are tokens until apply). */
  readonly serviceNames: readonly string[];

  constructor(scope: Construct, id: string, props: WorkspaceApisProps) {
    super(scope, id);
    const names = [...new Set(props.services)].sort();
    const bad = names.filter((n) => !SERVICE_NAME.test(n));
    if (bad.length) {
      throw new Error(
        `WorkspaceApis ${this.node.path}: ${bad.map((b) => `"${b}"`).join(', ')} is not a service name like "gmail.googleapis.com"`,
      );
    }
    if (names.length === 0) throw new Error(`WorkspaceApis ${this.node.path}: services is empty; name at least one API`);
    this.serviceNames = names;
    this.services = names.map(
      (service) =>
        new ProjectService(this, service.replace(/\.googleapis\.com$/, ''), {
          project: props.projectId,
          service,
          disableOnDestroy: false,
          disableDependentServices: false,
        }),
    );
  }

  /** The resource that enables `service`; throws if it is not one of this construct's services. */
  service(service: string): ProjectService {
    const found = this.services[this.serviceNames.indexOf(service)];
    if (!found) throw new Error(`WorkspaceApis ${this.node.path}: ${service} is not enabled here`);
    return found;
  }
}
