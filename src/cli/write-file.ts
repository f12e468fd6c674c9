import { WRITE_BATCH_CHARS } from '../atomic-write.js';

/** Write chunks to a stream, waiting for it to drain so a large report is not buffered whole. */
export async function writeChunks(
  stream: { write(chunk: string): unknown; once?(event: 'drain', listener: () => void): unknown },
  chunks: Iterable<string>,
): Promise<void> {
  let pending = '';
  const flush = async (): Promise<void> => {
    const accepted = stream.write(pending);
    pending = '';
    if (accepted === false && typeof stream.once === 'function') {
      await new Promise<void>((resolve) => stream.once?.('drain', resolve));
    }
  };
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= WRITE_BATCH_CHARS) await flush();
  }
  if (pending !== '') await flush();
}
