// The `ipam-cluster` executable: the CNI IPAM plugin of @ipam/cluster (cluster-wide allocation on etcd). tsup bundles
// this file with everything it reaches (@ipam/core and @ipam/cni included) into one minified CommonJS file, so that
// start-up reads and compiles a single file without the ES module loader.
import { runPlugin } from '@ipam/cni';
import { clusterPlugin } from '../cluster-plugin.js';

// runPlugin reports every failure itself (stdout and exit status); it never rejects.
void runPlugin(clusterPlugin());
