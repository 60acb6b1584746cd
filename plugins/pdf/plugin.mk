# plugins/pdf/plugin.mk - the pdf renderer draws with libharu (libhpdf-dev)
# and decodes PNG images itself with libpng (libpng-dev): libharu's own PNG
# loader aborts the process on a corrupt file. libdeflate (libdeflate-dev)
# deflates page content, which the plugin writes itself (pdf_content.c says
# why not zlib). The output file comes from plugins/support (support_out.c).
pdf_CFLAGS := $(shell pkg-config --cflags libpng libdeflate)
pdf_LIBS := -lhpdf $(shell pkg-config --libs libpng libdeflate) -lm
pdf_SUPPORT := yes
