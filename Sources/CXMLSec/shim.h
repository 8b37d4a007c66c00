// libxmlsec1 with its OpenSSL engine, and libxml2, for the SAML verifier (Sources/CSAML).
#include <xmlsec/xmlsec.h>
