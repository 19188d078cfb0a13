// The few web-platform globals that exist alike in Node 22, Electron and browsers, declared here because shared/
// compiles with neither the DOM nor the Node type library (so that using either is a compile error).
declare const crypto: { randomUUID(): string };
declare const TextDecoder: new (
  label?: string,
  options?: { fatal?: boolean; ignoreBOM?: boolean },
) => { decode(input?: Uint8Array, options?: { stream?: boolean }): string };
