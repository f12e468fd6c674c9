import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One scripted answer: status, JSON (or raw text) body, headers, and an optional delay. */
export interface ScriptedAnswer {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Close the socket without answering (a transport failure). */
  hangUp?: boolean;
}

export interface RecordedRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * A real local HTTP server speaking the OpenAI wire format, answering from a script: the n-th
 * request gets the n-th answer (the last one repeats). Tests talk to it over the network.
 */
export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  private answers: ScriptedAnswer[] = [];
  private router: ((request: RecordedRequest) => ScriptedAnswer) | undefined;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OpenAiTestServer> {
    const holder: { instance?: OpenAiTestServer } = {};
    const server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const instance = holder.instance as OpenAiTestServer;
        instance.requests.push({
          url: request.url ?? '',
          headers: request.headers,
          body: raw === '' ? null : JSON.parse(raw),
        });
        const answer = instance.router?.(instance.requests.at(-1) as RecordedRequest) ??
          instance.answers[Math.min(instance.requests.length - 1, instance.answers.length - 1)] ?? {
            status: 500,
          };
        const send = () => {
          if (answer.hangUp) {
            request.socket.destroy();
            return;
          }
          response.writeHead(answer.status ?? 200, {
            'content-type': 'application/json',
            ...answer.headers,
          });
          response.end(answer.text ?? JSON.stringify(answer.json ?? {}));
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.instance = new OpenAiTestServer(server);
    return holder.instance;
  }

  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  script(...answers: ScriptedAnswer[]): this {
    this.answers = answers;
    this.router = undefined;
    this.requests.length = 0;
    return this;
  }

  /**
   * Answer each request by what it asks (e.g. judge requests one way, SUT requests another), for
   * runs whose requests arrive in no fixed order.
   */
  route(router: (request: RecordedRequest) => ScriptedAnswer): this {
    this.router = router;
    this.answers = [];
    this.requests.length = 0;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const embeddingsBody = (vectors: unknown[], usage?: unknown) => ({
  data: vectors.map((embedding, index) => ({ index, embedding })),
  ...(usage === undefined ? {} : { usage }),
});

export const chatBody = (content: unknown, usage?: unknown) => ({
  choices: [{ message: { role: 'assistant', content } }],
  ...(usage === undefined ? {} : { usage }),
});

/** Whether a request is an LLM-judge call (the judge asks for a JSON object answer). */
export function isJudgeRequest(request: RecordedRequest): boolean {
  const body = request.body as { response_format?: unknown } | null;
  return body?.response_format !== undefined;
}

/** The user message of a chat request (what an http SUT was asked). */
export function userMessage(request: RecordedRequest): string {
  const body = request.body as { messages?: { role: string; content: string }[] } | null;
  return body?.messages?.find((message) => message.role === 'user')?.content ?? '';
}
