// Entry point of the `helpdesk` bin: the process's streams and environment in, its exit code out.
// runCli reports every error itself and answers with the code to exit with.
import { runCli } from './cli';

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(async (code) => {
  // The command is over: exit once its output is written, whatever a library left running (a
  // client's timer, a socket kept alive, standard input still open) that would hold the process.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  })));
  process.exit(code);
});
