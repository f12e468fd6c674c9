// A deterministic, offline system under test: it answers from a tiny policy handbook by word
// overlap and cites the section it used. Swap it for your own module, HTTP endpoint or program.
const HANDBOOK = [
  { section: '[policy:refunds]', text: 'Refunds are available within 30 days of delivery.' },
  { section: '[policy:refunds]', text: 'Items must be unused and in their original packaging.' },
  {
    section: '[policy:refunds]',
    text: 'Refunds go back to the original payment method within 5 business days.',
  },
  { section: '[policy:shipping]', text: 'Standard shipping takes 3 to 5 business days.' },
  { section: '[policy:shipping]', text: 'Shipping is free on orders over 50 euros.' },
  { section: '[policy:shipping]', text: 'We ship to the EU, the UK and Switzerland only.' },
  { section: '[policy:warranty]', text: 'Every product has a two-year warranty.' },
  {
    section: '[policy:warranty]',
    text: 'To claim the warranty, open a ticket with your order number.',
  },
  {
    section: '[policy:privacy]',
    text: 'Delete your account under Settings, Privacy, Delete account.',
  },
  {
    section: '[policy:privacy]',
    text: 'Download your personal data under Settings, Privacy, Export.',
  },
  { section: '[policy:payments]', text: 'We accept cards, PayPal and bank transfer.' },
  { section: '[policy:payments]', text: 'Invoices are attached to the order confirmation email.' },
];

const STOPWORDS = new Set([
  'a',
  'an',
  'the',
  'i',
  'my',
  'do',
  'does',
  'is',
  'are',
  'to',
  'of',
  'how',
  'can',
  'you',
  'your',
  'we',
  'on',
  'in',
  'under',
  'and',
  'with',
  'which',
  'where',
  'long',
]);
const words = (text) =>
  new Set(
    (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOPWORDS.has(word)),
  );

/** @param {{ id: string, input: { question?: string } }} invocation */
export default function answer(invocation) {
  const question = words(String(invocation.input.question ?? ''));
  let best = HANDBOOK[0];
  let bestOverlap = -1;
  for (const entry of HANDBOOK) {
    let overlap = 0;
    for (const word of words(entry.text)) if (question.has(word)) overlap++;
    if (overlap > bestOverlap) {
      best = entry;
      bestOverlap = overlap;
    }
  }
  return `${best.text} ${best.section}`;
}
