// Entry point of the `helpdesk` bin: the process's streams and environment in, its exit code out.
// runCli reports every error itself and answers with the code to exit with.
import { runCli } from './cli';

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
