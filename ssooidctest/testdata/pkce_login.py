"""The AWS CLI's authorization-code login with PKCE, as CLI 2.22 to 2.36
sends it (WIRE.md 5.2: awscli/botocore/utils.py SSOTokenFetcherAuth,
awscli/customizations/sso/utils.py AuthCodeFetcher and
OAuthCallbackHandler), with botocore's sso-oidc client, then a refresh.

The browser is opened as the CLI opens it, webbrowser.open_new_tab, so
BROWSER decides what opens the URL. Usage:
    pkce_login.py ENDPOINT START_URL REGION SESSION_NAME
Prints one JSON object: what the login and the refresh returned (whether
each token is there, never a token).
"""
import base64
import hashlib
import json
import secrets
import string
import sys
import uuid
import webbrowser
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import botocore
import botocore.config
import botocore.session
from botocore.utils import percent_encode

endpoint, start_url, region, session_name = sys.argv[1:5]
scopes = ["sso:account:access"]

client = botocore.session.get_session().create_client(
    "sso-oidc",
    region_name=region,
    endpoint_url=endpoint,
    config=botocore.config.Config(signature_version=botocore.UNSIGNED, user_agent_extra="md/sso#auth"),
)

# RegisterClient: the CLI's members, in its order; the redirect URI has no port.
reg = client.register_client(
    clientName="botocore-client-" + session_name,
    clientType="public",
    grantTypes=["authorization_code", "refresh_token"],
    redirectUris=["http://127.0.0.1/oauth/callback"],
    issuerUrl=start_url,
    scopes=scopes,
)

result = {}


class Callback(BaseHTTPRequestHandler):
    """OAuthCallbackHandler: any GET path, 200 and a page, then the query."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>Request approved. You may close this window.</body></html>")
        q = parse_qs(urlparse(self.path).query)
        result["query"] = {k: v[0] for k, v in q.items()}

    def log_message(self, *args):
        pass


# The CLI binds every interface (HTTPServer(('', 0))); this test's traffic
# stays on 127.0.0.1, the address of the redirect URI either way.
httpd = HTTPServer(("127.0.0.1", 0), Callback)
httpd.timeout = 10
port = httpd.server_address[1]
redirect_uri = "http://127.0.0.1:%d/oauth/callback" % port

verifier = "".join(secrets.choice(string.ascii_letters + string.digits + "-._~") for _ in range(64))
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
state = str(uuid.uuid4())
url = (
    client.meta.endpoint_url + "/authorize?response_type=code"
    + "&client_id=" + percent_encode(reg["clientId"])
    + "&redirect_uri=" + percent_encode(redirect_uri)
    + "&state=" + percent_encode(state)
    + "&code_challenge_method=S256"
    + "&scopes=" + percent_encode(" ".join(scopes))
    + "&code_challenge=" + challenge[:-1]
)
opened = webbrowser.open_new_tab(url)

# AuthCodeFetcher: handle requests until the callback came (the CLI waits
# 600 s in all, 10 s per request).
for _ in range(60):
    if "query" in result:
        break
    httpd.handle_request()
httpd.server_close()
q = result.get("query", {})
out = {"opened": opened, "callback": "query" in result, "error": q.get("error"), "state_matches": q.get("state") == state}
if q.get("code") and q.get("state") == state:
    tok = client.create_token(
        grantType="authorization_code",
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        redirectUri=redirect_uri,
        codeVerifier=verifier,
        code=q["code"],
    )
    out.update(access_token=bool(tok.get("accessToken")), refresh_token=bool(tok.get("refreshToken")), expires_in=tok.get("expiresIn"))
    if tok.get("refreshToken"):
        ref = client.create_token(
            grantType="refresh_token", clientId=reg["clientId"], clientSecret=reg["clientSecret"], refreshToken=tok["refreshToken"]
        )
        out["refreshed"] = bool(ref.get("accessToken")) and ref.get("accessToken") != tok.get("accessToken")
print(json.dumps(out))
