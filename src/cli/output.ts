/** Writing to stdout and stderr so that nothing is lost when the process exits right after. */
import type { JsonValue } from '../types.js';

/** Resolves once `text` is handed to the OS (a pipe may be asynchronous on some systems). */
export function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

export const out = (text: string): Promise<void> => write(process.stdout, text);
export const err = (text: string): Promise<void> => write(process.stderr, text);

/** `--pretty`/`--no-pretty` as given, else pretty in a terminal and compact in a pipe. */
export function wantsPretty(flag: boolean | undefined): boolean {
  return flag ?? process.stdout.isTTY === true;
}

/** One JSON document and a newline; indented when `pretty`. */
export function json(value: JsonValue | object, pretty = false): string {
  return `${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`;
}
