# fuzz_csv: the csv source plugin's lexer, inference and value parsers (with
# the shared source-plugin helpers of plugins/support), compiled in and fed
# from memory (host table: fuzz_host.h).
fuzz_csv_SRC := $(wildcard plugins/csv/*.c) $(wildcard plugins/support/*.c)
fuzz_csv_FLAGS := -Iplugins/csv -Iplugins/support
$(BUILD)/fuzz/fuzz_csv: tests/fuzz/fuzz_host.h
