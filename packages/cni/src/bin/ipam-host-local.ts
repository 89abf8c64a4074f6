// The `ipam-host-local` executable: a drop-in for the reference host-local IPAM plugin. tsup bundles this file
// with everything it reaches (@ipam/core included) into one minified CommonJS file, so that start-up reads and
// compiles a single file without the ES module loader; it imports only the runtime and the plugin.
import { hostLocalPlugin } from '../host-local-plugin.js';
import { runPlugin } from '../plugin-runtime.js';

// runPlugin reports every failure itself (stdout and exit status); it never rejects.
void runPlugin(hostLocalPlugin());
