# fuzz_ws: the http transport's WebSocket session (plugins/http/http_ws.c on
# wslay), fed frames from memory without sockets (host table: fuzz_host.h).
fuzz_ws_SRC := plugins/http/http_buf.c plugins/http/http_ws.c
fuzz_ws_FLAGS := -Iplugins/http
fuzz_ws_LIBS := -lwslay -lz -lev
$(BUILD)/fuzz/fuzz_ws: tests/fuzz/fuzz_host.h
