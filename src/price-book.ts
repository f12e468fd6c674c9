/** USD per million tokens, by model name as the config and providers name it (`costs:`). */
export type PriceBook = Readonly<
  Record<string, { readonly inputPerMillion: number; readonly outputPerMillion: number }>
>;

/** What `input` and `output` tokens of `model` cost by the price book; null when unpriced. */
export function priceBookCost(
  model: string,
  input: number,
  output: number,
  prices: PriceBook,
): number | null {
  const price = Object.hasOwn(prices, model) ? prices[model] : undefined;
  if (price === undefined) return null;
  return (input * price.inputPerMillion + output * price.outputPerMillion) / 1_000_000;
}
