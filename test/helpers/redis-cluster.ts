import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RedisServer, freeClusterPort } from './redis-server.js';

const run = promisify(execFile);

/** The test certificate for 127.0.0.1 (see test/fixtures/tls/README.md). */
export const TLS_CERT = fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url));
export const TLS_KEY = fileURLToPath(new URL('../fixtures/tls/key.pem', import.meta.url));

export interface RedisSecurity {
  /** `requirepass`: clients must send it (`redis://:<password>@…`). */
  readonly password?: string;
  /** Serve TLS only, with the test certificate (`rediss://`). */
  readonly tls?: boolean;
}

/** redis-server arguments for a password and TLS-only serving on `port`. */
export function securityArgs(port: number, security: RedisSecurity): string[] {
  return [
    ...(security.password === undefined
      ? []
      : ['--requirepass', security.password, '--masterauth', security.password]),
    ...(security.tls === true
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          TLS_CERT,
          '--tls-key-file',
          TLS_KEY,
          '--tls-ca-cert-file',
          TLS_CERT,
          '--tls-auth-clients',
          'no',
        ]
      : []),
  ];
}

/** `redis[s]://[:password@]127.0.0.1:<port>` for the given security. */
export function redisUrl(port: number, security: RedisSecurity = {}): string {
  const auth = security.password === undefined ? '' : `:${security.password}@`;
  return `${security.tls === true ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`;
}

/**
 * A real three-node Redis Cluster (`redis-server --cluster-enabled yes`, joined with
 * `redis-cli --cluster create`, no replicas) on free ports, started by the test and stopped
 * afterwards.
 */
export class RedisCluster {
  private constructor(
    readonly nodes: readonly RedisServer[],
    private readonly security: RedisSecurity,
    private readonly dir: string,
  ) {}

  /** Every node's URL, credentials and scheme included. */
  get urls(): string[] {
    return this.nodes.map((node) => redisUrl(node.port, this.security));
  }

  static async start(security: RedisSecurity = {}, size = 3): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'eval-harness-cluster-'));
    const ports: number[] = [];
    for (let i = 0; i < size; i++) {
      let port = await freeClusterPort();
      while (ports.includes(port)) port = await freeClusterPort();
      ports.push(port);
    }
    const nodes = await Promise.all(
      ports.map((port) =>
        RedisServer.start({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--dir',
            dir,
            ...(security.tls === true ? ['--tls-cluster', 'yes'] : []),
            ...securityArgs(port, security),
          ],
        }),
      ),
    );
    const cluster = new RedisCluster(nodes, security, dir);
    try {
      await run('redis-cli', [
        ...cluster.cliArgs(),
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await cluster.waitUntilOk();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Run a redis-cli command against one node (index into `nodes`). */
  async cli(node: number, ...command: string[]): Promise<string> {
    const port = this.nodes[node]?.port ?? 0;
    const { stdout } = await run('redis-cli', [...this.cliArgs(), '-p', String(port), ...command]);
    return stdout;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private cliArgs(): string[] {
    return [
      '-h',
      '127.0.0.1',
      ...(this.security.password === undefined
        ? []
        : ['-a', this.security.password, '--no-auth-warning']),
      ...(this.security.tls === true ? ['--tls', '--cacert', TLS_CERT] : []),
    ];
  }

  /** Until every node has every slot assigned and says so (joining takes a moment). */
  private async waitUntilOk(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        this.nodes.map((_, index) => this.cli(index, 'cluster', 'info')),
      );
      if (states.every((info) => /cluster_state:ok/.test(info))) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster did not come up: ${states[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
