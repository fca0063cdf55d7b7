// Package e2e holds end-to-end tests: real clients (aws-sdk-go-v2, the AWS
// CLI v2, botocore, a real Chromium) against a real server on loopback over
// a real SQLite file. It has no non-test code besides this file.
package e2e
