// tail-file ships no types; the part of its API env-sync uses.
declare module 'tail-file' {
  class Tail {
    constructor(file: string, options?: { startPos?: 'start' | 'end' | number; force?: boolean; sep?: string });
    on(event: 'line', fn: (line: string) => void): this;
    on(event: 'error', fn: (err: Error) => void): this;
    on(event: string, fn: (...args: unknown[]) => void): this;
    start(): void;
    stop(): void;
  }
  export default Tail;
}
