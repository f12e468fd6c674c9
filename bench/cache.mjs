// The response cache: 10,000 samples of an http SUT (OpenAI chat format) on a local server that
// answers after 20 ms, at concurrency 50 — a first run against a fully cached second run (wall
// time and requests the server saw). Prints figures; never fails a build.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { BIN, OUT_DIR } from './util.mjs';

const SAMPLES = 10_000;
const LATENCY_MS = 20;

function startServer() {
  let requests = 0;
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      requests++;
      const question = JSON.parse(raw).messages.at(-1).content;
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: `answer ${question}` } }],
            usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
          }),
        );
      }, LATENCY_MS);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: server.address().port, requests: () => requests }),
    ),
  );
}

function runCli(args, cwd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`eval-harness exited ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

export async function benchCache() {
  const dir = join(OUT_DIR, 'cache');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { server, port, requests } = await startServer();
  try {
    const samples = Array.from({ length: SAMPLES }, (_, i) =>
      JSON.stringify({
        id: `s${i}`,
        input: { question: `q${i}` },
        expected_output: `answer q${i}`,
      }),
    );
    writeFileSync(join(dir, 'ds.json'), `{"name":"cache","samples":[${samples.join(',')}]}`);
    writeFileSync(
      join(dir, 'eval-harness.config.json'),
      JSON.stringify({
        datasets: { cache: { path: 'ds.json', metrics: ['exact-match'] } },
        sut: {
          type: 'http',
          endpoint: `http://127.0.0.1:${port}/v1/chat/completions`,
          model: 'bench-model',
          promptTemplate: '{question}',
          // An http SUT's answers are cached only when the config asks.
          cache: true,
        },
      }),
    );
    const args = [
      'run',
      'cache',
      '--batch=concurrent',
      '--concurrency=50',
      '--json',
      '--out=r.json',
      '--no-progress',
    ];
    const firstSeconds = await runCli(args, dir);
    const firstRequests = requests();
    const secondSeconds = await runCli(args, dir);
    const secondRequests = requests() - firstRequests;
    console.log(
      `cache: ${SAMPLES.toLocaleString('en-US')} samples, http SUT answering in ${LATENCY_MS} ms, concurrency 50`,
    );
    console.log(
      `  first run   wall ${firstSeconds.toFixed(2)} s  requests ${firstRequests.toLocaleString('en-US')}`,
    );
    console.log(
      `  cached run  wall ${secondSeconds.toFixed(2)} s  requests ${secondRequests.toLocaleString('en-US')}`,
    );
    console.log(`  cached / first wall-time ratio: ${(secondSeconds / firstSeconds).toFixed(2)}x`);
  } finally {
    server.close();
  }
}
