# fuzz_http: the http transport's request parsing (plugins/http/http_request.c
# with its buffers and Accept-Encoding parsing), compiled in and fed from
# memory (host table: fuzz_host.h); links libhttp-parser and zlib.
fuzz_http_SRC := plugins/http/http_buf.c plugins/http/http_request.c \
    plugins/http/http_response.c
fuzz_http_FLAGS := -Iplugins/http
fuzz_http_LIBS := -lhttp_parser -lz -lev
$(BUILD)/fuzz/fuzz_http: tests/fuzz/fuzz_host.h
