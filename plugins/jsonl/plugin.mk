# plugins/jsonl/plugin.mk - the jsonl source plugin compiles the shared
# source-plugin helpers in (plugins/support: value parsers, inference, the
# types option, source-op helpers).
jsonl_SUPPORT := yes
