// An offline RAG system under test: it retrieves the three handbook passages that share the most
// words with the question, and answers with the best one. It returns the whole answer, so
// retrieval metrics can score what it retrieved as well as what it said.
const PASSAGES = {
  'refunds-1': 'Refunds are available within 30 days of delivery.',
  'refunds-2': 'Refunds go back to the original payment method within 5 business days.',
  'shipping-1': 'Standard shipping takes 3 to 5 business days.',
  'shipping-2': 'Shipping is free on orders over 50 euros.',
  'warranty-1': 'Every product has a two-year warranty.',
  'privacy-1': 'Delete your account under Settings, Privacy, Delete account.',
};

const words = (text) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);

export default ({ input }) => {
  const question = words(String(input.question));
  const ranked = Object.entries(PASSAGES)
    .map(([id, text]) => ({
      id,
      text,
      overlap: [...words(text)].filter((w) => question.has(w)).length,
    }))
    .sort((a, b) => b.overlap - a.overlap || a.id.localeCompare(b.id))
    .slice(0, 3);
  return {
    output: ranked[0].text,
    retrieved: ranked.map(({ id, text }) => ({ id, text })),
  };
};
