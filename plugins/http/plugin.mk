# plugins/http/plugin.mk - the http transport links libev (the kernel's
# loop), Debian's libhttp-parser (request parsing), wslay (WebSocket
# framing) and zlib (gzip).
http_LIBS := -lev -lhttp_parser -lwslay -lz
