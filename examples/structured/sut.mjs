// A deterministic, offline order-status assistant that answers with JSON. Swap it for your own
// module, endpoint or program; one answer (order-unknown) breaks the schema on purpose, and one
// (order-chatty) wraps its JSON in prose, so the report shows both kinds of finding.
const ANSWERS = {
  'order-shipped': { order_id: '1042', status: 'shipped', eta_days: 2 },
  'order-delivered': { order_id: '2001', status: 'delivered' },
  'order-unknown': { order_id: '9999', status: 'lost' },
};

/** @param {{ id: string }} invocation */
export default function answer({ id }) {
  if (id === 'order-chatty')
    return 'Sure! Here is the update:\n```json\n{ "order_id": "3003", "status": "shipped" }\n```';
  return JSON.stringify(ANSWERS[/** @type {keyof typeof ANSWERS} */ (id)] ?? {}, null, 1);
}
