package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ssooidc/ssooidc/internal/testnpm"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// How a page looks to everyone: accessibility checks with axe-core
// (Deque's rules engine, the one the browsers' own auditing tools build
// on), light and dark color schemes, phone and desktop widths. axe-core
// runs in the page through DevTools: a page's Content-Security-Policy
// does not apply to what DevTools evaluates, so the pages need no
// exception for it.

// AxeTags are the rule sets checked: WCAG 2.0, 2.1 and 2.2 at levels A
// and AA, and axe's best practices (landmarks, one main heading, ...).
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

// AxeViolation is a rule axe-core found broken, with the elements that
// break it.
type AxeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " "))
	}
	return b.String()
}

// Axe runs axe-core's rules of AxeTags on the current page and returns
// what it found broken (nil: nothing).
func (b *Browser) Axe(ctx context.Context) ([]AxeViolation, error) {
	src := testnpm.AxeScript(b.tb)
	var out string
	err := b.with(ctx, func(tab context.Context) error {
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](string(src)+"\n;true")); err != nil {
			return fmt.Errorf("loading axe-core: %w", err)
		}
		tags, _ := json.Marshal(AxeTags)
		run := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]})
			.then(r => JSON.stringify(r.violations))`
		var err error
		out, err = chromedp.Run(tab, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
		return err
	})
	if err != nil {
		return nil, err
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("reading axe-core's result: %w", err)
	}
	return vs, nil
}

// CheckAccessible fails tb with every rule axe-core finds broken on the
// current page, named by what.
func (b *Browser) CheckAccessible(ctx context.Context, what string) {
	b.tb.Helper()
	vs, err := b.Axe(ctx)
	if err != nil {
		b.tb.Fatalf("axe-core on %s: %v", what, err)
	}
	for _, v := range vs {
		b.tb.Errorf("axe-core on %s: %s", what, v)
	}
}

// EmulateColorScheme lays the pages out as the browser would with the
// system in light or dark mode (prefers-color-scheme): "light" or "dark".
// It also asks for reduced motion, so that no transition between the two
// is caught halfway by a screenshot or a contrast check.
func (b *Browser) EmulateColorScheme(ctx context.Context, scheme string) error {
	return b.with(ctx, func(tab context.Context) error {
		return chromedp.Do(tab, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme},
					{Name: "prefers-reduced-motion", Value: "reduce"}}})
			return err
		}))
	})
}

// Href returns the address of the link whose visible text is text, as
// written in the page (a link that opens a new tab can be followed in
// this one with Navigate).
func (b *Browser) Href(ctx context.Context, text string) (string, error) {
	var s string
	err := b.with(ctx, func(tab context.Context) (err error) {
		s, err = chromedp.Run(tab, chromedp.Evaluate[string](`(() => { `+jsNorm+` const want = `+jsString(text)+`;
			for (const a of document.querySelectorAll("a[href]")) if (norm(a.innerText) === want) return a.getAttribute("href");
			return ""; })()`))
		return err
	})
	if err == nil && s == "" {
		err = fmt.Errorf("no link %q on the page", text)
	}
	return s, err
}

// Overflow returns by how many CSS pixels the page is wider than its
// viewport (0: nothing to scroll sideways), and the element that sticks
// out the most.
func (b *Browser) Overflow(ctx context.Context) (int, string, error) {
	type res struct {
		Over int    `json:"over"`
		What string `json:"what"`
	}
	var r res
	err := b.with(ctx, func(tab context.Context) (err error) {
		r, err = chromedp.Run(tab, chromedp.Evaluate[res](`(() => {
			const w = document.documentElement.clientWidth;
			let what = "", most = 0;
			for (const el of document.querySelectorAll("body *")) {
				const right = el.getBoundingClientRect().right;
				if (right - w > most) { most = right - w; what = el.tagName.toLowerCase() + (el.className ? "." + el.className : ""); }
			}
			return {over: Math.max(0, document.documentElement.scrollWidth - w), what};
		})()`))
		return err
	})
	return r.Over, r.What, err
}

// CheckLooks checks the current page the way it can look: at 390 (a
// phone) and 1280 CSS pixels wide, light and dark, axe-core finds nothing
// (each look is handed to shot, when not nil, for a screenshot), and at
// 320 pixels nothing sticks out sideways. It leaves the page at 1280,
// light.
func (b *Browser) CheckLooks(ctx context.Context, what string, shot func(width int, scheme string)) {
	b.tb.Helper()
	must := func(err error) {
		b.tb.Helper()
		if err != nil {
			b.tb.Fatalf("%s: %v", what, err)
		}
	}
	for _, width := range []int{390, 1280} {
		for _, scheme := range []string{"light", "dark"} {
			must(b.SetViewport(ctx, width, 900, width < 500))
			must(b.EmulateColorScheme(ctx, scheme))
			b.CheckAccessible(ctx, fmt.Sprintf("%s at %d px, %s", what, width, scheme))
			if shot != nil {
				shot(width, scheme)
			}
		}
	}
	must(b.SetViewport(ctx, 320, 900, true))
	if over, el, err := b.Overflow(ctx); err != nil || over > 0 {
		b.tb.Errorf("%s at 320 px is %d px too wide (%s), %v", what, over, el, err)
	}
	must(b.SetViewport(ctx, 1280, 900, false))
	must(b.EmulateColorScheme(ctx, "light"))
}
