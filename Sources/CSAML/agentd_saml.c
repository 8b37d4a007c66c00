#include "agentd_saml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>

static const xmlChar SAMLP[] = "urn:oasis:names:tc:SAML:2.0:protocol";
static const xmlChar SAML[] = "urn:oasis:names:tc:SAML:2.0:assertion";

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ready = 0;

static void initialise(void) {
    xmlInitParser();
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecCryptoAppInit(NULL) < 0) return;
    if (xmlSecCryptoInit() < 0) return;
    ready = 1;
}

static int fail(char *error, size_t size, const char *message) {
    snprintf(error, size, "%s", message);
    return -1;
}

/// The element children of `parent` named `name` in namespace `ns`, counted; the first in `*first`.
static int children(xmlNodePtr parent, const xmlChar *name, const xmlChar *ns, xmlNodePtr *first) {
    int count = 0;
    *first = NULL;
    for (xmlNodePtr node = parent->children; node != NULL; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || node->ns == NULL) continue;
        if (xmlStrEqual(node->name, name) && xmlStrEqual(node->ns->href, ns)) {
            if (count == 0) *first = node;
            count++;
        }
    }
    return count;
}

/// Registers the element's ID attribute as an XML ID, so `#ID` resolves to it and only it.
static int register_id(xmlDocPtr document, xmlNodePtr element, xmlChar **id_out, char *error, size_t size) {
    xmlAttrPtr attribute = xmlHasProp(element, BAD_CAST "ID");
    xmlChar *id = attribute ? xmlNodeListGetString(document, attribute->children, 1) : NULL;
    if (id == NULL || id[0] == 0) {
        if (id) xmlFree(id);
        return fail(error, size, "the signed element has no ID");
    }
    xmlAttrPtr existing = xmlGetID(document, id);
    if (existing != NULL && existing != attribute) {
        xmlFree(id);
        return fail(error, size, "the ID of the signed element is used twice in the document");
    }
    if (existing == NULL && xmlAddID(NULL, document, id, attribute) == NULL) {
        xmlFree(id);
        return fail(error, size, "the ID of the signed element could not be registered");
    }
    *id_out = id;
    return 0;
}

static int verify(xmlDocPtr document, xmlNodePtr element, xmlNodePtr signature, const char *pem, size_t pem_length,
                  char *error, size_t size) {
    xmlChar *id = NULL;
    if (register_id(document, element, &id, error, size) != 0) return -1;
    xmlSecDSigCtxPtr context = xmlSecDSigCtxCreate(NULL);
    if (context == NULL) {
        xmlFree(id);
        return fail(error, size, "out of memory");
    }
    int result = -1;
    // The IdP's configured certificate, never the KeyInfo the document brings along.
    context->signKey = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)pem, (xmlSecSize)pem_length, xmlSecKeyDataFormatCertPem,
                                                    NULL, NULL, NULL);
    if (context->signKey == NULL) {
        fail(error, size, "the IdP's certificate could not be read (PEM)");
        goto done;
    }
    context->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    xmlSecTransformId reference_transforms[] = {
        xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId,
        xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformSha256Id, xmlSecTransformSha384Id, xmlSecTransformSha512Id,
    };
    xmlSecTransformId signature_transforms[] = {
        xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId, xmlSecTransformInclC14NId,
        xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id,
        xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id, xmlSecTransformEcdsaSha512Id,
    };
    for (size_t i = 0; i < sizeof(reference_transforms) / sizeof(reference_transforms[0]); i++) {
        if (xmlSecDSigCtxEnableReferenceTransform(context, reference_transforms[i]) < 0) { fail(error, size, "xmlsec setup failed"); goto done; }
    }
    for (size_t i = 0; i < sizeof(signature_transforms) / sizeof(signature_transforms[0]); i++) {
        if (xmlSecDSigCtxEnableSignatureTransform(context, signature_transforms[i]) < 0) { fail(error, size, "xmlsec setup failed"); goto done; }
    }
    if (xmlSecDSigCtxVerify(context, signature) < 0) {
        fail(error, size, "the signature could not be processed (an algorithm or transform that is not allowed, or a malformed Signature)");
        goto done;
    }
    if (context->status != xmlSecDSigStatusSucceeded) {
        fail(error, size, "the signature does not verify with the IdP's certificate");
        goto done;
    }
    if (xmlSecPtrListGetSize(&context->signedInfoReferences) != 1) {
        fail(error, size, "the signature must have exactly one Reference");
        goto done;
    }
    xmlSecDSigReferenceCtxPtr reference = (xmlSecDSigReferenceCtxPtr)xmlSecPtrListGetItem(&context->signedInfoReferences, 0);
    if (reference == NULL || reference->uri == NULL || reference->uri[0] != '#' || !xmlStrEqual(reference->uri + 1, id)) {
        fail(error, size, "the signature's Reference is not the element that carries it");
        goto done;
    }
    result = 0;
done:
    xmlSecDSigCtxDestroy(context);
    xmlFree(id);
    return result;
}

int agentd_saml_verify(const char *xml, size_t xml_length, const char *certificate_pem, size_t certificate_length,
                       char **assertion, const char **signed_element, char *error, size_t error_size) {
    *assertion = NULL;
    *signed_element = NULL;
    pthread_once(&once, initialise);
    if (!ready) return fail(error, error_size, "libxmlsec1 could not be initialised");
    if (xml_length > 1024 * 1024) return fail(error, error_size, "the response is larger than 1 MiB");
    // No network, no entity substitution, no DTD loading; a DOCTYPE at all is refused below.
    xmlDocPtr document = xmlReadMemory(xml, (int)xml_length, "response.xml", NULL, XML_PARSE_NONET);
    if (document == NULL) return fail(error, error_size, "the response is not well-formed XML");
    int result = -1;
    if (document->intSubset != NULL || document->extSubset != NULL) {
        fail(error, error_size, "the response has a DOCTYPE, which SAML does not allow");
        goto done;
    }
    xmlNodePtr root = xmlDocGetRootElement(document);
    if (root == NULL || root->ns == NULL || !xmlStrEqual(root->name, BAD_CAST "Response") || !xmlStrEqual(root->ns->href, SAMLP)) {
        fail(error, error_size, "the document is not a samlp:Response");
        goto done;
    }
    xmlNodePtr element = NULL, encrypted = NULL;
    if (children(root, BAD_CAST "EncryptedAssertion", SAML, &encrypted) > 0) {
        fail(error, error_size, "encrypted assertions are not supported: turn off assertion encryption for agentd at the IdP");
        goto done;
    }
    if (children(root, BAD_CAST "Assertion", SAML, &element) != 1) {
        fail(error, error_size, "the response must hold exactly one Assertion");
        goto done;
    }
    xmlNodePtr assertion_signature = NULL, response_signature = NULL;
    int assertion_signatures = children(element, xmlSecNodeSignature, xmlSecDSigNs, &assertion_signature);
    int response_signatures = children(root, xmlSecNodeSignature, xmlSecDSigNs, &response_signature);
    if (assertion_signatures > 1 || response_signatures > 1) {
        fail(error, error_size, "more than one signature on one element");
        goto done;
    }
    if (assertion_signature == NULL && response_signature == NULL) {
        fail(error, error_size, "neither the assertion nor the response is signed");
        goto done;
    }
    // Every signature present must verify; either one covers the assertion used.
    if (assertion_signature != NULL) {
        if (verify(document, element, assertion_signature, certificate_pem, certificate_length, error, error_size) != 0) goto done;
        *signed_element = "Assertion";
    }
    if (response_signature != NULL) {
        if (verify(document, root, response_signature, certificate_pem, certificate_length, error, error_size) != 0) goto done;
        if (*signed_element == NULL) *signed_element = "Response";
    }
    // A copy as a document of its own, so the namespaces declared on the Response come along.
    xmlDocPtr alone = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr copy = alone ? xmlDocCopyNode(element, alone, 1) : NULL;
    xmlBufferPtr buffer = xmlBufferCreate();
    if (copy == NULL || buffer == NULL) {
        if (buffer) xmlBufferFree(buffer);
        if (alone) xmlFreeDoc(alone);
        fail(error, error_size, "out of memory");
        goto done;
    }
    xmlDocSetRootElement(alone, copy);
    xmlReconciliateNs(alone, copy);
    if (xmlNodeDump(buffer, alone, copy, 0, 0) < 0) {
        xmlBufferFree(buffer);
        xmlFreeDoc(alone);
        fail(error, error_size, "the assertion could not be serialised");
        goto done;
    }
    *assertion = strdup((const char *)xmlBufferContent(buffer));
    xmlBufferFree(buffer);
    xmlFreeDoc(alone);
    result = *assertion == NULL ? fail(error, error_size, "out of memory") : 0;
done:
    xmlFreeDoc(document);
    return result;
}

void agentd_saml_free(char *assertion) { free(assertion); }
