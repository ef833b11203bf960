// The load generator, in its own process so it does not take the server's CPU: autocannon against
// the search API, each request with the next query of the mix and the next agent's token.
import autocannon from 'autocannon';
import { latency, type Latency } from './stats';

export interface LoadJob {
  url: string;
  paths: string[];
  tokens: string[];
  connections: number;
  durationS: number;
}

export interface LoadResult extends Latency {
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
}

export function runLoad(job: LoadJob): Promise<LoadResult> {
  let next = 0;
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: job.url,
      connections: job.connections,
      duration: job.durationS,
      requests: [{
        method: 'GET',
        setupRequest: (req) => {
          const i = next++;
          return {
            ...req,
            path: job.paths[i % job.paths.length]!,
            headers: { ...req.headers, authorization: `Bearer ${job.tokens[i % job.tokens.length]!}` },
          };
        },
      }],
    }, (err, result) => {
      if (err) return reject(err);
      resolve({
        ...latency(times),
        requests: result.requests.total,
        rps: result.requests.total / job.durationS,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => { times.push(responseTime); });
  });
}

if (require.main === module) {
  process.once('message', (job: LoadJob) => {
    runLoad(job).then(
      (result) => process.send!(result, () => process.exit(0)),
      (err: Error) => { process.stderr.write(`${err.stack}\n`); process.exit(1); },
    );
  });
}
