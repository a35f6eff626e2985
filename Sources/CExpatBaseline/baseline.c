#include "CExpatBaseline.h"
#include <expat.h>

struct counts { long starts, ends, characters; };

static void XMLCALL on_start(void *user, const XML_Char *name, const XML_Char **attributes) {
    (void)name; (void)attributes;
    ((struct counts *)user)->starts++;
}

static void XMLCALL on_end(void *user, const XML_Char *name) {
    (void)name;
    ((struct counts *)user)->ends++;
}

static void XMLCALL on_characters(void *user, const XML_Char *text, int length) {
    (void)text;
    ((struct counts *)user)->characters += length;
}

long trestle_expat_baseline(const char *data, size_t length, size_t chunk) {
    struct counts counts = {0, 0, 0};
    XML_Parser parser = XML_ParserCreateNS("UTF-8", ' ');
    XML_SetUserData(parser, &counts);
    XML_SetElementHandler(parser, on_start, on_end);
    XML_SetCharacterDataHandler(parser, on_characters);
    for (size_t offset = 0; offset < length; offset += chunk) {
        size_t piece = length - offset < chunk ? length - offset : chunk;
        if (XML_Parse(parser, data + offset, (int)piece, 0) != XML_STATUS_OK) {
            XML_ParserFree(parser);
            return -1;
        }
    }
    XML_ParserFree(parser);
    return counts.ends;
}
