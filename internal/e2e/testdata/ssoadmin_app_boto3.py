"""An application made through the SSO Admin API with boto3, then used by
boto3's create_token_with_iam (ssoadmin_app_test.go).

Reads {"issuer_url", "assertion"} as JSON on stdin. The endpoints come from
AWS_ENDPOINT_URL_SSO_ADMIN and AWS_ENDPOINT_URL_SSO_OIDC and the credentials
from the environment, as any boto3 program gets them. Prints one JSON
object with what it saw.
"""
import json
import sys

import boto3
import botocore.config
import botocore.exceptions

inp = json.load(sys.stdin)
cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
admin = boto3.client("sso-admin", region_name="us-east-1", config=cfg)
oidc = boto3.client("sso-oidc", region_name="us-east-1", config=cfg)
me = boto3.client("sts", region_name="us-east-1", config=cfg, endpoint_url="http://127.0.0.1:9")
out = {}

inst = admin.list_instances()["Instances"][0]["InstanceArn"]
tti = admin.create_trusted_token_issuer(
    InstanceArn=inst, Name="corp-idp", TrustedTokenIssuerType="OIDC_JWT",
    TrustedTokenIssuerConfiguration={"OidcJwtConfiguration": {
        "IssuerUrl": inp["issuer_url"], "ClaimAttributePath": "preferred_username",
        "IdentityStoreAttributePath": "userName", "JwksRetrievalOption": "OPEN_ID_DISCOVERY"}},
)["TrustedTokenIssuerArn"]
app = admin.create_application(
    InstanceArn=inst, ApplicationProviderArn="arn:aws:sso::aws:applicationProvider/custom",
    Name="Reports", PortalOptions={"Visibility": "DISABLED"},
)["ApplicationArn"]
admin.put_application_grant(ApplicationArn=app, GrantType="urn:ietf:params:oauth:grant-type:jwt-bearer",
                            Grant={"JwtBearer": {"AuthorizedTokenIssuers": [
                                {"TrustedTokenIssuerArn": tti, "AuthorizedAudiences": ["reports"]}]}})
admin.put_application_grant(ApplicationArn=app, GrantType="refresh_token", Grant={"RefreshToken": {}})
admin.put_application_access_scope(ApplicationArn=app, Scope="reports:read")
admin.put_application_authentication_method(
    ApplicationArn=app, AuthenticationMethodType="IAM",
    AuthenticationMethod={"Iam": {"ActorPolicy": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": inp["caller_arn"]},
                       "Action": "sso-oauth:CreateTokenWithIAM", "Resource": "*"}]}}},
)
admin.put_application_assignment_configuration(ApplicationArn=app, AssignmentRequired=False)
out["app"] = app
out["policy"] = admin.get_application_authentication_method(
    ApplicationArn=app, AuthenticationMethodType="IAM")["AuthenticationMethod"]["Iam"]["ActorPolicy"]
out["grants"] = [g["GrantType"] for g in admin.list_application_grants(ApplicationArn=app)["Grants"]]

# The application works at once.
r = oidc.create_token_with_iam(clientId=app, grantType="urn:ietf:params:oauth:grant-type:jwt-bearer",
                               assertion=inp["assertion"], scope=["openid", "reports:read"])
r.pop("ResponseMetadata", None)
out["jwt_bearer"] = r
r = oidc.create_token_with_iam(clientId=app, grantType="refresh_token", refreshToken=r["refreshToken"])
r.pop("ResponseMetadata", None)
out["refresh"] = r

# Deleted, it is gone at once.
admin.delete_application(ApplicationArn=app)
try:
    oidc.create_token_with_iam(clientId=app, grantType="urn:ietf:params:oauth:grant-type:jwt-bearer",
                               assertion=inp["assertion"])
    out["after_delete"] = "accepted"
except botocore.exceptions.ClientError as e:
    out["after_delete"] = e.response["Error"]["Code"]
try:
    admin.describe_application(ApplicationArn=app)
except admin.exceptions.ResourceNotFoundException as e:
    out["describe_deleted"] = e.response["Error"]["Code"]
print(json.dumps(out))
