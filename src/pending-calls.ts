/**
 * SUT calls in progress, each with a way to end it as abandoned. A leaf with no imports, so the
 * CLI entry point can watch it without loading the engine.
 */
const pendingCalls = new Set<() => void>();

/** Track a call; returns the way to stop tracking it (when it settles). */
export function trackPendingCall(abandon: () => void): () => void {
  pendingCalls.add(abandon);
  return () => pendingCalls.delete(abandon);
}

/**
 * End every SUT call still in progress as a sample error, and return how many there were. The
 * CLI calls this when the process has nothing left to wait for (Node's `beforeExit`): a SUT
 * promise that nothing will ever settle would otherwise let the process exit silently with
 * exit 0 and no report. A SUT timeout's timer does not hold the process open, so this happens
 * at once rather than after the timeout.
 */
export function settleAbandonedCalls(): number {
  const calls = [...pendingCalls];
  pendingCalls.clear();
  for (const abandon of calls) abandon();
  return calls.length;
}
