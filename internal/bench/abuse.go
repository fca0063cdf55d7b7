package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssooidc/ssooidc/wire"
)

// Attack is an abuse scenario of issue 13: a burst an attacker sends,
// measured by what the server does with it (password verifications,
// refusals, memory, store growth), not by throughput. Each row of its
// report runs on a fresh server.
type Attack struct {
	Key  string // its name on the command line (--ops)
	Name string
	What string
	run  func(ctx context.Context, o *Options) ([]AttackReport, error)
}

// Attacks lists the abuse scenarios. They are not among DefaultOps: ask
// for them with --ops.
var Attacks = []Attack{
	{Key: "signin-storm", Name: "Sign-in storm",
		What: "1,000 wrong-password POST /signin at once, each from its own client address (X-Forwarded-For through a trusted proxy): " +
			"against 3 users, then against 1,000 names that do not exist (each costs a verification against the dummy hash)",
		run: runSigninStorm},
	{Key: "register-flood", Name: "Registration flood",
		What: "3 workers sending RegisterClient with the largest body the server accepts (8 KiB): from one address, " +
			"then from 200 addresses",
		run: runRegisterFlood},
}

// lookupAttack returns the attack with key.
func lookupAttack(key string) (Attack, bool) {
	for _, a := range Attacks {
		if a.Key == key {
			return a, true
		}
	}
	return Attack{}, false
}

// AttackReport is one row of an attack.
type AttackReport struct {
	Key     string         `json:"key"`
	Name    string         `json:"name"`
	Case    string         `json:"case"`
	Server  string         `json:"server"`
	Sent    int            `json:"sent"`
	Answers map[string]int `json:"answers"` // "429", "401", "400 SlowDownException", "transport error"
	Seconds float64        `json:"seconds"`
	// Verifications is how many passwords the server verified, from its
	// log: one "sign-in failed" or "signed in" line per verification.
	Verifications int `json:"verifications,omitempty"`
	// RSS of the server before and after, and its peak (VmHWM) since it
	// started; in process it is the whole process, load generator
	// included.
	RSSBefore int64 `json:"rss_before"`
	RSSAfter  int64 `json:"rss_after"`
	RSSPeak   int64 `json:"rss_peak"`
	// Stored is how many registrations were accepted, and StorePerItem
	// the store's growth per accepted registration.
	Stored       int       `json:"stored,omitempty"`
	StoreBefore  StoreSize `json:"store_before"`
	StoreAfter   StoreSize `json:"store_after"`
	StorePerItem float64   `json:"store_bytes_per_item,omitempty"`
}

// runAttack runs one attack and adds its rows to the report.
func runAttack(ctx context.Context, o *Options, rep *Report, a Attack) error {
	if o.URL != "" {
		rep.Notes = append(rep.Notes, a.Name+": skipped, the server is not ours (--url)")
		return nil
	}
	o.progress("%s", a.Name)
	rows, err := a.run(ctx, o)
	for _, r := range rows {
		r.Key, r.Name = a.Key, a.Name
		o.progress("  %s: %d sent in %.1f s, answers %v, %d verifications, RSS %s -> %s (peak %s), %d stored (%.0f B each)",
			r.Case, r.Sent, r.Seconds, r.Answers, r.Verifications, mb(r.RSSBefore), mb(r.RSSAfter), mb(r.RSSPeak), r.Stored, r.StorePerItem)
		rep.Attacks = append(rep.Attacks, r)
	}
	return err
}

// attackTarget starts a fresh server with extra for one row.
func attackTarget(ctx context.Context, o *Options, what string, extra Extra) (*Target, func(), error) {
	dir, err := o.tempDir(what)
	if err != nil {
		return nil, nil, err
	}
	t, err := startTargetWith(ctx, o, dir, extra)
	if err != nil {
		o.removeDir(dir)
		return nil, nil, err
	}
	return t, func() { t.Close(); o.removeDir(dir) }, nil
}

// clientAddr is the i-th client address of an attack: 10.x.y.z, distinct
// for i below 16 million.
func clientAddr(i int) string {
	return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
}

// burst sends n requests at once (each on its own connection, released
// together) and counts the answers.
func burst(ctx context.Context, n int, req func(i int) (*http.Request, error)) (map[string]int, float64) {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0, IdleConnTimeout: time.Second}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	answers := map[string]int{}
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			r, err := req(i)
			ready.Done()
			<-release
			key := "transport error"
			if err == nil {
				var resp *http.Response
				if resp, err = hc.Do(r.WithContext(ctx)); err == nil {
					drain(resp.Body)
					key = answerKey(resp)
				}
			}
			mu.Lock()
			answers[key]++
			mu.Unlock()
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(release)
	done.Wait()
	return answers, time.Since(t0).Seconds()
}

func answerKey(resp *http.Response) string {
	k := strconv.Itoa(resp.StatusCode)
	if et := resp.Header.Get(wire.HeaderErrorType); et != "" {
		k += " " + et
	}
	return k
}

// measure fills the RSS and store fields of r around f.
func measure(ctx context.Context, t *Target, r *AttackReport, f func()) {
	r.Server = t.Mode
	r.RSSBefore, _, _ = RSS(t.PID)
	r.StoreBefore, _, _ = t.Size(ctx)
	f()
	r.RSSAfter, r.RSSPeak, _ = RSS(t.PID)
	r.StoreAfter, _, _ = t.Size(ctx)
}

// stormUsers are the signin-storm's users. Their passwords are hashed by
// the server, with the argon2id parameters of every new password.
var stormUsers = map[string]string{"storm-a": "storm password a", "storm-b": "storm password b", "storm-c": "storm password c"}

// The sizes of the attacks; tests make them smaller.
var (
	stormN = 1000               // sign-ins per storm
	floodN = [2]int{2000, 6000} // registrations from one address, from 200
)

func runSigninStorm(ctx context.Context, o *Options) ([]AttackReport, error) {
	n := stormN
	var rows []AttackReport
	for _, c := range []struct {
		name string
		user func(i int) string
	}{
		{"3 users", func(i int) string { return sortedNames(stormUsers)[i%3] }},
		{fmt.Sprintf("%d unknown names", n), func(i int) string { return "nobody-" + strconv.Itoa(i) }},
	} {
		t, stop, err := attackTarget(ctx, o, "signin-storm", Extra{Users: stormUsers})
		if err != nil {
			return rows, err
		}
		r := AttackReport{Case: c.name, Sent: n}
		before := t.logs.count(counted[0]) + t.logs.count(counted[1])
		measure(ctx, t, &r, func() {
			r.Answers, r.Seconds = burst(ctx, n, func(i int) (*http.Request, error) {
				form := url.Values{"username": {c.user(i)}, "password": {"wrong password " + strconv.Itoa(i)}}
				req, err := http.NewRequest(http.MethodPost, t.URL+"/signin", strings.NewReader(form.Encode()))
				if err == nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("X-Forwarded-For", clientAddr(i))
				}
				return req, err
			})
		})
		stop() // the server's last lines are out once it has stopped (its log is batched)
		r.Verifications = t.logs.count(counted[0]) + t.logs.count(counted[1]) - before
		rows = append(rows, r)
	}
	return rows, nil
}

// floodBody is the largest RegisterClient body the server accepts: a name,
// redirect URIs and scopes at their caps, under the 8 KiB bound.
func floodBody(i int) []byte {
	name := fmt.Sprintf("flood-%06d-", i) + strings.Repeat("n", 256-13)
	var uris []string
	for j := range 5 {
		u := fmt.Sprintf("http://127.0.0.1:%d/", 1000+j)
		uris = append(uris, u+strings.Repeat("p", 512-len(u)))
	}
	req := wire.RegisterClientRequest{ClientName: &name, ClientType: ptr(wire.ClientTypePublic), RedirectURIs: uris,
		GrantTypes: []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken}}
	for {
		b, _ := json.Marshal(req)
		if len(b)+260 > 8<<10 || len(req.Scopes) == 25 {
			return b
		}
		req.Scopes = append(req.Scopes, fmt.Sprintf("scope:%03d:", len(req.Scopes))+strings.Repeat("s", 246))
	}
}

func runRegisterFlood(ctx context.Context, o *Options) ([]AttackReport, error) {
	var rows []AttackReport
	for _, c := range []struct {
		name  string
		addrs int
		n     int
	}{
		{"one address", 1, floodN[0]},
		{"200 addresses", 200, floodN[1]},
	} {
		t, stop, err := attackTarget(ctx, o, "register-flood", Extra{RegistrationLimit: true})
		if err != nil {
			return rows, err
		}
		r := AttackReport{Case: c.name, Sent: c.n}
		var stored atomic.Int64
		measure(ctx, t, &r, func() {
			r.Answers, r.Seconds = flood(ctx, t.URL, c.n, 3, c.addrs, &stored)
		})
		stop()
		r.Stored = int(stored.Load())
		if r.Stored > 0 {
			r.StorePerItem = float64(r.StoreAfter.Bytes-r.StoreBefore.Bytes) / float64(r.Stored)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// flood sends n registrations from workers goroutines, rotating over addrs
// client addresses, and counts the answers and the registrations stored.
func flood(ctx context.Context, base string, n, workers, addrs int, stored *atomic.Int64) (map[string]int, float64) {
	hc := &http.Client{Timeout: time.Minute}
	var mu sync.Mutex
	answers := map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+wire.PathRegisterClient, strings.NewReader(string(floodBody(i))))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", clientAddr(i%addrs))
				key := "transport error"
				if resp, err := hc.Do(req); err == nil {
					drain(resp.Body)
					key = answerKey(resp)
					if resp.StatusCode == http.StatusOK {
						stored.Add(1)
					}
				}
				mu.Lock()
				answers[key]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return answers, time.Since(t0).Seconds()
}

// maxStormRSS is issue 13's bound on the server's peak RSS through a
// sign-in storm.
const maxStormRSS = 200e6

// attackTargets checks the targets of issue 13 the attacks measured.
func (r *Report) attackTargets() {
	for _, a := range r.Attacks {
		if a.Key != "signin-storm" {
			continue
		}
		m := fmt.Sprintf("peak %s (%s server), %d verifications, %d answered 429", mb(a.RSSPeak), a.Server,
			a.Verifications, a.Answers["429"])
		r.Targets = append(r.Targets, TargetCheck{Target: "sign-in storm, " + a.Case, Wanted: "peak RSS < 200 MB",
			Measured: m, Status: status(a.RSSPeak > 0 && a.RSSPeak < maxStormRSS && a.Answers["transport error"] == 0)})
	}
}

func (r *Report) mdAttacks(b *strings.Builder) {
	if len(r.Attacks) == 0 {
		return
	}
	b.WriteString("\n### Abuse (issue 13)\n\n")
	b.WriteString("Each row runs on a fresh server. Verifications are counted from the server's log (one line per password " +
		"verified); RSS is the server's (the whole process in process), peak is VmHWM since the server started.\n\n")
	b.WriteString("| attack | case | sent | answers | seconds | verifications | RSS before | RSS after | peak RSS | stored | store B/stored |\n")
	b.WriteString("|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, a := range r.Attacks {
		var ans []string
		for _, k := range sortedNames(a.Answers) {
			ans = append(ans, fmt.Sprintf("%d x %s", a.Answers[k], k))
		}
		per := ""
		if a.Stored > 0 {
			per = fmt.Sprintf("%.0f", a.StorePerItem)
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %.1f | %d | %s | %s | %s | %d | %s |\n", a.Name, a.Case, a.Sent,
			strings.Join(ans, ", "), a.Seconds, a.Verifications, mb(a.RSSBefore), mb(a.RSSAfter), mb(a.RSSPeak), a.Stored, per)
	}
}
