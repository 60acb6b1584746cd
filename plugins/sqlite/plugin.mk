# plugins/sqlite/plugin.mk - the sqlite source plugin links libsqlite3
# (libsqlite3-dev) and compiles the shared source-plugin helpers in
# (plugins/support: value parsers, the types option, source-op helpers).
sqlite_LIBS := -lsqlite3
sqlite_SUPPORT := yes
