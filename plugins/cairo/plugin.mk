# plugins/cairo/plugin.mk - the cairo renderer plugin (formats svg and png)
# links cairo (libcairo2-dev: cairo, cairo-svg, cairo-ft), FreeType
# (libfreetype-dev, a dependency of cairo's) and libjpeg (libjpeg62-turbo-dev:
# cairo 1.16 cannot decode JPEG for png pages).
cairo_CFLAGS := $(shell pkg-config --cflags cairo freetype2 libjpeg) -pthread
cairo_LIBS := $(shell pkg-config --libs cairo freetype2 libjpeg) -pthread -lm
