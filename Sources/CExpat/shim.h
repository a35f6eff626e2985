#ifndef TRESTLE_CEXPAT_SHIM_H
#define TRESTLE_CEXPAT_SHIM_H
/* expat.h declares the billion-laughs protection setters only under XML_DTD.
   Debian's libexpat is built with XML_DTD and exports them. */
#ifndef XML_DTD
#define XML_DTD 1
#endif
#include <expat.h>
#endif
