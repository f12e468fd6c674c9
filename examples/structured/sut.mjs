// A deterministic, offline order-status assistant that answers with JSON and reports the tokens
// it spent. Swap it for your own module, endpoint or program; one answer (order-unknown) breaks
// the schema on purpose, and one (order-chatty) wraps its JSON in prose and costs more than the
// budget, so the report shows each kind of finding.
const ANSWERS = {
  'order-shipped': { order_id: '1042', status: 'shipped', eta_days: 2 },
  'order-delivered': { order_id: '2001', status: 'delivered' },
  'order-unknown': { order_id: '9999', status: 'lost' },
};

/** @param {{ id: string }} invocation */
export default function answer({ id }) {
  if (id === 'order-chatty')
    return {
      output:
        'Sure! Here is the update:\n```json\n{ "order_id": "3003", "status": "shipped" }\n```',
      usage: { model: 'order-model', inputTokens: 120, outputTokens: 200 },
    };
  return {
    output: JSON.stringify(ANSWERS[/** @type {keyof typeof ANSWERS} */ (id)] ?? {}, null, 1),
    usage: { model: 'order-model', inputTokens: 120, outputTokens: 30 },
  };
}
