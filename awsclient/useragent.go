package awsclient

import (
	"runtime"
	"strings"
)

// Version is the version of this client, sent in the User-Agent header.
const Version = "0.1.0"

// userAgent builds the User-Agent header in the format of the AWS SDKs
// (the "ua/2.1" user-agent specification):
//
//	ssooidc-go/0.1.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/ssooidc#0.1.0 app/my-app
func userAgent(svc Service, appID string) string {
	parts := []string{
		"ssooidc-go/" + Version,
		"ua/2.1",
		"os/" + uaToken(runtime.GOOS),
		"lang/go#" + uaToken(strings.TrimPrefix(runtime.Version(), "go")),
		"md/GOOS#" + uaToken(runtime.GOOS),
		"md/GOARCH#" + uaToken(runtime.GOARCH),
		"api/" + uaToken(svc.UserAgentName) + "#" + Version,
	}
	if appID != "" {
		parts = append(parts, "app/"+uaToken(appID))
	}
	return strings.Join(parts, " ")
}

// uaToken replaces what an HTTP token may not contain with '-', as the AWS
// SDKs do for user-agent values.
func uaToken(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!$%&'*+-.^_`|~", r) {
			return r
		}
		return '-'
	}, s)
}
