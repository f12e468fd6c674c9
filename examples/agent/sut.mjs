// An offline, scripted support agent: it plans tool calls from keywords in the request and
// reports every step, so trajectory metrics can check which tools it called, in what order,
// with which arguments, and whether risky tools waited for approval.
export default ({ input }) => {
  const request = String(input.request).toLowerCase();
  const order = /order ([a-z]-\d+)/i.exec(String(input.request))?.[1] ?? null;
  const steps = [
    { tool: 'search_policies', args: { query: request.split(' ').slice(0, 4).join(' ') } },
  ];
  if (order !== null) steps.push({ tool: 'lookup_order', args: { order } });
  if (request.includes('refund') && order !== null)
    steps.push({ tool: 'issue_refund', args: { order }, approval: 'approved' });
  if (request.includes('delete my account'))
    steps.push({ tool: 'delete_account', args: {}, approval: 'pending' });
  steps.push({ tool: 'reply', args: { channel: 'email' } });
  const done = steps.map((step) => step.tool).join(' > ');
  return { output: `Handled with ${done}.`, trajectory: steps };
};
