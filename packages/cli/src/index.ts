/** VERSION is the version of @ipam/cli. (placeholder until the CLI lands) */
export const VERSION = '0.0.0';
