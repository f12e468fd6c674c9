// The raw BullMQ baseline's worker: the same no-op work as eval-harness's, results in a hash.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [url, queueName, concurrency] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });
const results = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(
  queueName,
  async (job) => {
    await results.hset(
      `raw:${job.data.batch}`,
      String(job.data.index),
      JSON.stringify({ sample_id: job.data.id, actual_output: 'ok' }),
    );
  },
  { connection, concurrency: Number(concurrency), prefix: 'raw' },
);
await worker.waitUntilReady();
process.stderr.write('raw worker ready\n');
const stop = async () => {
  await worker.close();
  connection.disconnect();
  results.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
