export {
  serviceIPRangeOffset,
  kubernetesServiceIP,
  dnsServiceIP,
  checkServiceClusterIPRange,
  type ServiceClusterIPRangeRules,
  prefixContainsIP,
  serviceCIDRsContainingAddress,
  serviceCIDRsContainingPrefix,
  serviceCIDRsOverlappingPrefix,
  type ServiceCIDRLike,
} from './service-cidr.js';
export {
  ServiceIPAllocator,
  seededRandom,
  type RandomSource,
  type ServiceIPAllocatorKind,
  type ServiceIPAllocatorOptions,
} from './service-ip-allocator.js';
export { KubernetesError, type KubernetesErrorCode, type KubernetesErrorLocation } from './kubernetes-error.js';
export {
  parseIPSloppy,
  tryParseIPSloppy,
  parseCIDRSloppy,
  tryParseCIDRSloppy,
  parseCIDRSloppyWithIP,
  parseCIDRsSloppy,
  rangeSize,
  indexedIP,
  validateIP,
  validateCIDR,
  validateInterfaceAddress,
  warningsForIP,
  warningsForCIDR,
  type SloppyCIDR,
  type AddressValidationOptions,
} from './netutils.js';
export {
  clusterNetwork,
  type ClusterNetwork,
  type ClusterNetworkInit,
  type ClusterNode,
  type ClusterPod,
  type ClusterService,
  type CniNetwork,
  type DiscoveryWarning,
  type IPAddressObject,
  type NodeAddress,
  type NodeCIDRMaskSizes,
  type PluginAllocation,
  type PluginBlock,
  type PluginPool,
  type PoolPlugin,
  type ServiceCIDRObject,
  type Setting,
  type SettingName,
  type SettingSource,
  type SettingValues,
  type SourceRef,
} from './cluster-network.js';
export { CidrSet } from './cidr-set.js';
export {
  plan,
  formatPlan,
  type Plan,
  type PlanOptions,
  type FamilyPlan,
  type PlanRequirements,
  type PlanFlags,
  type PlanWarning,
  type PlanWarningCode,
} from './plan.js';
export { kubernetesApiFromKubeconfig } from './kube-client.js';
export type { KubernetesApi, KubernetesResource } from './kube-api.js';
export {
  audit,
  formatAuditReport,
  type AuditCode,
  type AuditSeverity,
  type AuditFinding,
  type AuditOptions,
  type AuditFormatOptions,
  type AuditReport,
  type AuditCapacity,
  type ExternalNetwork,
  type FamilyCapacity,
  type NodePodCIDRUsage,
  type ServiceRangeUsage,
} from './audit.js';
export {
  NodeCidrAllocator,
  type NodeCidrAllocatorNode,
  type NodeCidrAllocatorOptions,
  type NodeCidrCapacity,
  type NodeCidrFamilyCapacity,
} from './node-cidr-allocator.js';
export { discover, type DiscoverOptions, type DumpInput } from './discover.js';
