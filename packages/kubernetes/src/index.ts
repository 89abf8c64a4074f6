/** KUBERNETES_PACKAGE is the npm name of this package; a placeholder export until the first real API lands. */
export const KUBERNETES_PACKAGE = '@ipam/kubernetes' as const;
