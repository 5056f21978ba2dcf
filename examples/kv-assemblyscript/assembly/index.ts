// kv-assemblyscript: the kv example (examples/kv) as an AssemblyScript
// module. This entry file registers the handlers and exports the ABI's
// entry points.

import { register } from "@synodhq/synod-guest/assembly";
import { query, update } from "./kv";

export * from "@synodhq/synod-guest/assembly/exports";

register(update, query);
