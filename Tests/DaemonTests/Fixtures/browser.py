"""A browser for `agentctl login --sso` tests ($BROWSER): opens the URL it is given and follows
redirects, through the IdP and agentd's callback to agentctl's loopback listener."""
import sys
import urllib.request

urllib.request.urlopen(sys.argv[1], timeout=30).read()
