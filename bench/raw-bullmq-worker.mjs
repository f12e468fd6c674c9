// The raw BullMQ baseline's worker: the same work as eval-harness's (an optional sleep standing in
// for the SUT) and its result in a hash, which the baseline's producer polls.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [url, queueName, concurrency] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });
const results = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(
  queueName,
  async (job) => {
    const { batch, index, id, latencyMs = 0 } = job.data;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    await results.hset(
      `raw:${batch}`,
      String(index),
      JSON.stringify({ sample_id: id, actual_output: 'ok' }),
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
