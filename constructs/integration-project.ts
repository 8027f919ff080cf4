import { Project } from '@cdktf/provider-google/lib/project';
import { ResourceManagerLien } from '@cdktf/provider-google/lib/resource-manager-lien';
import { Construct } from 'constructs';
import { PARENT_PATTERN, projectIdProblem } from '../lib/naming/google';

export interface IntegrationProjectProps {
  /** Globally unique project id (6-30 chars, lowercase letters, digits, hyphens). */
  readonly projectId: string;
  /** Display name. */
  readonly name: string;
  /** Where the project lives: `folders/NUMBER` or `organizations/NUMBER`. */
  readonly parent: string;
  /** Billing account id, e.g. 01ABCD-23EF45-67ABCD. */
  readonly billingAccount: string;
  /** Project labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * What `terraform destroy` does to the project.
   * @default 'PREVENT' (the provider's default: production tenants are protected)
   */
  readonly deletionPolicy?: 'PREVENT' | 'ABANDON' | 'DELETE';
  /**
   * Place a Resource Manager lien that blocks project deletion by anyone, Console included.
   * @default false
   */
  readonly lien?: boolean;
  /** Why the lien exists, shown to whoever tries to delete. @default 'PortSIP PBX Google Workspace integration' */
  readonly lienReason?: string;
}

/**
 * The Google Cloud project that holds one tenant's OAuth client.
 *
 * No default network: the project only hosts APIs and an OAuth client, and a default VPC would be
 * attack surface and quota for nothing.
 */
export class IntegrationProject extends Construct {
  readonly project: Project;
  readonly lien?: ResourceManagerLien;

  constructor(scope: Construct, id: string, props: IntegrationProjectProps) {
    super(scope, id);
    const problem = projectIdProblem(props.projectId);
    if (problem) throw new Error(`IntegrationProject ${this.node.path}: projectId "${props.projectId}" is invalid; ${problem}`);
    if (!PARENT_PATTERN.test(props.parent)) {
      throw new Error(
        `IntegrationProject ${this.node.path}: parent "${props.parent}" is invalid; use folders/NUMBER or organizations/NUMBER`,
      );
    }
    const [kind, parentId] = props.parent.split('/') as ['folders' | 'organizations', string];

    this.project = new Project(this, 'project', {
      projectId: props.projectId,
      name: props.name,
      folderId: kind === 'folders' ? parentId : undefined,
      orgId: kind === 'organizations' ? parentId : undefined,
      billingAccount: props.billingAccount,
      labels: { ...props.labels },
      autoCreateNetwork: false,
      deletionPolicy: props.deletionPolicy ?? 'PREVENT',
    });

    if (props.lien) {
      this.lien = new ResourceManagerLien(this, 'lien', {
        parent: `projects/${this.project.number}`,
        restrictions: ['resourcemanager.projects.delete'],
        origin: 'gwkit',
        reason: props.lienReason ?? 'PortSIP PBX Google Workspace integration',
      });
    }
  }

  get projectId(): string {
    return this.project.projectId;
  }

  get projectNumber(): string {
    return this.project.number;
  }
}
