// kubectl runs `kubectl-ipam` from the PATH for `kubectl ipam ...`: the same command, named so in its usage text.
import { run } from '../run.js';

void run(process.argv.slice(2), { name: 'kubectl ipam' }).then((code) => {
  process.exitCode = code;
});
