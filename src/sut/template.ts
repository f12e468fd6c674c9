import { SutError } from '../errors.js';
import type { SampleInvocation } from './sample-invocation.js';

const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)\}/g;

function field(invocation: SampleInvocation, name: string): unknown {
  if (!Object.hasOwn(invocation.input, name)) {
    throw new SutError(
      `Sample '${invocation.id}' input has no field '${name}', which the SUT template uses.`,
    );
  }
  return invocation.input[name];
}

/** `{field}` → the input field as text (strings as is, other values as JSON). */
export function fillText(template: string, invocation: SampleInvocation): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = field(invocation, name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** A JSON template: a string exactly `"{field}"` takes the raw value; other strings are filled. */
export function fillJson(template: unknown, invocation: SampleInvocation): unknown {
  if (typeof template === 'string') {
    const exact = /^\{([A-Za-z0-9_.-]+)\}$/.exec(template);
    return exact ? field(invocation, exact[1] as string) : fillText(template, invocation);
  }
  if (Array.isArray(template)) return template.map((item) => fillJson(item, invocation));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, fillJson(value, invocation)]),
    );
  }
  return template;
}
