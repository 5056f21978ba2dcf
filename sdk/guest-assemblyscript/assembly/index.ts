// The Synod guest kit for AssemblyScript: write a Synod state machine as an
// AssemblyScript module. See README.md.

export { register } from "./register";
export { ABI_VERSION } from "./host";
export { CODE_UNKNOWN, Handler, Result } from "./result";
export { get, set, remove, getString, setString, removeString, utf8, MAX_KEY_SIZE, MAX_VALUE_SIZE } from "./store";
export { Scanner, scan, scanPrefix, prefixEnd } from "./scan";
export { ByteWriter } from "./bytes";
export { JSONReader, writeJSONString } from "./json";
