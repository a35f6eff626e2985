#ifndef TRESTLE_CLIBXML2_SHIM_H
#define TRESTLE_CLIBXML2_SHIM_H
/* libxml2's HTML parser, for the HTML of Matrix messages (formatted_body). */
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, and encoding.h then includes the
   system's ICU headers, whose enums clash with the copy Foundation carries
   (_FoundationICU) in any Swift file that sees both. Trestle never uses
   libxml2's encoding handlers (input is always UTF-8), only pointers to
   them, so their ICU fields need not be visible. */
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
/* xmlFree is a global function-pointer variable, which Swift 6 refuses to
   touch from concurrent code; this wrapper is a plain function. */
static inline void trestle_xml_free(void *pointer) { xmlFree(pointer); }
#endif
