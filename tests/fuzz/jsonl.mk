# fuzz_jsonl: the jsonl source plugin's reader, parser, path tree, inference
# and value parsers (with the shared source-plugin helpers of
# plugins/support), compiled in and fed from memory (host table: fuzz_host.h).
fuzz_jsonl_SRC := $(wildcard plugins/jsonl/*.c) $(wildcard plugins/support/*.c)
fuzz_jsonl_FLAGS := -Iplugins/jsonl -Iplugins/support
$(BUILD)/fuzz/fuzz_jsonl: tests/fuzz/fuzz_host.h
