import { randomBytes } from 'node:crypto';

/** A batch id: 32 lowercase hex characters (16 random bytes). */
export function createBatchId(): string {
  return randomBytes(16).toString('hex');
}
