# fuzz_jsonl: the jsonl source plugin's reader, parser, path tree, inference
# and value parsers, compiled in and fed from memory.
fuzz_jsonl_SRC := $(wildcard plugins/jsonl/*.c)
fuzz_jsonl_FLAGS := -Iplugins/jsonl
