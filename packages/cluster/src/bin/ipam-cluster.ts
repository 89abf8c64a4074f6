// The `ipam-cluster` executable: the CNI IPAM plugin of @ipam/cluster (cluster-wide allocation on etcd). tsup bundles
// this file with everything it reaches (@ipam/core and @ipam/cni included) into one minified CommonJS file, so that
// start-up reads and compiles a single file without the ES module loader.
import { runPlugin } from '@ipam/cni';
import { clusterPlugin } from '../cluster-plugin.js';

// runPlugin reports every failure itself (stdout, written synchronously, and the exit status); it never rejects. The
// process exits as soon as it is done: a command that timed out may leave retry timers and sockets behind.
void runPlugin(clusterPlugin()).then((status) => process.exit(status));
