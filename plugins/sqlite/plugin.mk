# plugins/sqlite/plugin.mk - the sqlite source plugin links libsqlite3
# (libsqlite3-dev), and compiles the jsonl plugin's value parsers in
# (sqlite_value.c), so it is rebuilt when they change. The extra
# prerequisite line is a rule, and this file is read before the Makefile's
# first rule: keep `all` the default goal.
sqlite_LIBS := -lsqlite3
sqlite_saved_goal := $(.DEFAULT_GOAL)
$(BUILD)/plugins/sqlite.so: plugins/jsonl/jsonl_value.c plugins/jsonl/jsonl_value.h
.DEFAULT_GOAL := $(sqlite_saved_goal)
