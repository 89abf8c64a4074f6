export { CNI_SPEC_VERSIONS, compareCniVersions, type CniSpecVersion } from './cni-version.js';
