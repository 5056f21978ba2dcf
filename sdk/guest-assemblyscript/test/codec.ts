// A test module that exposes the kit's JSON codec to codec.test.mjs, which
// runs it under node. It does not use the ABI.

import "../assembly/abort";
import { ByteWriter } from "../assembly/bytes";
import { JSONReader, writeJSONString } from "../assembly/json";

/** Returns s written as a JSON string. */
export function encodeString(s: Uint8Array): Uint8Array {
  const out = new ByteWriter();
  writeJSONString(out, s);
  return out.view().slice();
}

let lastError: string | null = null;

/**
 * Reads one JSON string from text and returns its contents, or null with
 * the error in readError(). The string must be all of text.
 */
export function decodeString(text: Uint8Array): Uint8Array | null {
  const d = new JSONReader(text);
  const s = d.string();
  if (s !== null && !d.atEnd) d.fail("data after the string");
  lastError = d.error;
  return d.error === null && s !== null ? s.slice() : null;
}

/** Returns the error of the last decodeString, or null. */
export function readError(): string | null {
  return lastError;
}

/** Reads one JSON number from text and returns its literal, or null. */
export function decodeNumber(text: Uint8Array): Uint8Array | null {
  const d = new JSONReader(text);
  const n = d.number();
  return n !== null && d.atEnd ? n.slice() : null;
}
