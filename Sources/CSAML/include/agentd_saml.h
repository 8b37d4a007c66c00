#ifndef AGENTD_SAML_H
#define AGENTD_SAML_H

#include <stddef.h>

/// Checks the XML signature of a SAML 2.0 Response with the IdP's certificate (libxmlsec1 and
/// libxml2: real XML-DSig, canonicalisation included) and returns the one assertion it vouches
/// for, serialised. This is the whole of agentd's C for SAML: the claims are read in Swift.
///
/// Refused, with a message in `error` (at least 256 bytes):
/// - a document with a DOCTYPE (entity expansion, external fetches), or that does not parse;
/// - a root other than samlp:Response, or not exactly one saml:Assertion directly under it
///   (encrypted assertions are not supported);
/// - neither the Assertion nor the Response carrying a ds:Signature as a direct child;
/// - a signature that does not verify with `certificate_pem` (the document's own KeyInfo is
///   ignored), that has other than exactly one Reference, or whose Reference is not
///   `#ID` of the very element it sits in: the verified node is the node that is used, so a
///   signed assertion moved elsewhere (signature wrapping) vouches for nothing;
/// - algorithms other than RSA or ECDSA with SHA-256/384/512, exclusive or inclusive C14N and
///   the enveloped-signature transform; references to anything but this document.
///
/// Returns 0 and sets `*assertion` (free with agentd_saml_free) and `*signed_element`
/// ("Assertion" or "Response") on success.
int agentd_saml_verify(const char *xml, size_t xml_length, const char *certificate_pem, size_t certificate_length,
                       char **assertion, const char **signed_element, char *error, size_t error_size);

void agentd_saml_free(char *assertion);

#endif
