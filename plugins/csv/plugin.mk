# plugins/csv/plugin.mk - the csv source plugin compiles the shared
# source-plugin helpers in (plugins/support: value parsers, inference, the
# types option, source-op helpers).
csv_SUPPORT := yes
