// Package device implements the OAuth 2.0 device authorization grant
// (RFC 8628) as AWS SSO OIDC speaks it: StartDeviceAuthorization, the
// device_code grant of CreateToken (pending, slow_down, denied, expired,
// redeemed exactly once), and the lookup and decision behind the
// verification page, with limits on user-code guessing.
package device
