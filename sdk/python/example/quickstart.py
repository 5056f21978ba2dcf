"""Upload the kv example, create a shard, propose and query: the README's
example. Run it as ``python example/quickstart.py KV_WASM`` with SYNOD_ADDR
and SYNOD_TOKEN set."""

import sys

import synod

with synod.Client() as client:  # SYNOD_ADDR, SYNOD_TOKEN
    kv = client.upload_module_file(sys.argv[1] if len(sys.argv) > 1 else "kv.wasm")
    try:
        client.create_shard("quickstart", kv.hash)
    except synod.SynodError as e:
        if e.code != synod.Code.ALREADY_EXISTS:
            raise

    # A command runs once however often it is sent with the same key.
    put = '{"op":"put","key":"greeting","value":"hello"}'
    first = client.propose("quickstart", put, idempotency_key="greeting-1")
    again = client.propose("quickstart", put, idempotency_key="greeting-1")
    print(f"replayed: {again.replayed}, same index: {again.index == first.index}")

    # Read your write from any replica that has applied it.
    got = client.query("quickstart", '{"op":"get","key":"greeting"}', synod.at_least_index(first.index))
    print(got.result.decode())

    # A module's refusal says its code, and that the command ran and kept nothing.
    try:
        client.propose("quickstart", '{"op":"cas","key":"greeting","expect":"bye","value":"hi"}')
    except synod.SynodError as e:
        assert e.application is not None
        print(f"{e.code.value}, applied: {e.applied.value}, module code: {e.application.code}")
