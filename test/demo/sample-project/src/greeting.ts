// The demo's scripted model finds this greeting and proposes a change to it.
export const greeting = "Hello";

export function greet(name: string): string {
  return `${greeting}, ${name}!`;
}
