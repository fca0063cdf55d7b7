// Package browsertest drives a real browser, Debian's chromium, in tests
// through the DevTools protocol (github.com/chromedp/chromedp).
//
// New launches a headless chromium with a temporary profile and closes it
// when the test ends; a missing chromium fails the test, it never skips
// it, because a skipped browser test is a test that silently stopped
// testing. The helpers find elements the way a person does: buttons and
// links by their visible text, fields by their label. So a test that
// passes here also says the page reads as it should.
package browsertest
