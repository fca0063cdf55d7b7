"""boto3's CreateTokenWithIAM against our server (iam_boto3_test.go).

Reads the grants' inputs as JSON on stdin; the endpoint comes from
AWS_ENDPOINT_URL_SSO_OIDC and the credentials (a session token included)
from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as any
boto3 program gets them. Every ID token is verified with joserfc against the
server's JWKS, found through its discovery document. Prints one JSON
object with what it saw.
"""
import json
import sys
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
from joserfc import jwt
from joserfc.jwk import KeySet

inp = json.load(sys.stdin)
cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
client = boto3.client("sso-oidc", region_name="us-east-1", config=cfg)


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


disc = fetch(client.meta.endpoint_url + "/.well-known/openid-configuration")
keys = KeySet.import_key_set(fetch(disc["jwks_uri"]))


def verify(id_token):
    tok = jwt.decode(id_token, keys, algorithms=["ES256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": disc["issuer"]},
        aud={"essential": True, "value": inp["app"]},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(tok.claims)
    return {"alg": tok.header["alg"], "kid": tok.header["kid"], "sub": tok.claims["sub"],
            "identity_context": tok.claims.get("sts:identity_context")}


def call(**kw):
    r = client.create_token_with_iam(clientId=inp["app"], **kw)
    r.pop("ResponseMetadata", None)
    out = {"response": r}
    if "idToken" in r:
        out["id"] = verify(r["idToken"])
    return out


out = {"issuer": disc["issuer"]}
out["authorization_code"] = call(grantType="authorization_code", code=inp["code"],
                                 redirectUri=inp["redirect_uri"], codeVerifier=inp["verifier"])
out["refresh_token"] = call(grantType="refresh_token",
                            refreshToken=out["authorization_code"]["response"]["refreshToken"])
out["jwt_bearer"] = call(grantType="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion=inp["assertion"])
out["token_exchange"] = call(grantType="urn:ietf:params:oauth:grant-type:token-exchange",
                             subjectToken=inp["subject_token"],
                             subjectTokenType="urn:ietf:params:oauth:token-type:access_token",
                             requestedTokenType="urn:ietf:params:oauth:token-type:access_token")

# How botocore surfaces our errors.
errors = {}
bad = boto3.client("sso-oidc", region_name="us-east-1", config=cfg,
                   aws_access_key_id="AKIAWEBAPPEXAMPLE", aws_secret_access_key="wrong")
try:
    bad.create_token_with_iam(clientId=inp["app"], grantType="refresh_token", refreshToken="x")
except botocore.exceptions.ClientError as e:
    errors["wrong_secret"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                              "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
west = boto3.client("sso-oidc", region_name="eu-west-1", config=cfg)
try:
    west.create_token_with_iam(clientId=inp["app"], grantType="refresh_token", refreshToken="x")
except west.exceptions.InvalidRequestRegionException as e:
    errors["wrong_region"] = {"code": e.response["Error"]["Code"], "region": e.response.get("region"),
                              "endpoint": e.response.get("endpoint"), "error": e.response.get("error")}
try:
    client.create_token_with_iam(clientId=inp["app"], grantType="urn:ietf:params:oauth:grant-type:jwt-bearer",
                                 assertion=inp["expired_assertion"])
except client.exceptions.InvalidGrantException as e:
    errors["expired_assertion"] = {"code": e.response["Error"]["Code"], "description": e.response.get("error_description")}
out["errors"] = errors
print(json.dumps(out))
