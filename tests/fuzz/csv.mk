# fuzz_csv: the csv source plugin's lexer, inference and value parsers,
# compiled in and fed from memory.
fuzz_csv_SRC := $(wildcard plugins/csv/*.c)
fuzz_csv_FLAGS := -Iplugins/csv
