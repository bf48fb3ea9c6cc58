package normalize

import (
	"slices"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

// Short names for the expected severities in the tables below.
const (
	op  = upstat.Operational
	mnt = upstat.Maintenance
	deg = upstat.Degraded
	par = upstat.PartialOutage
	maj = upstat.MajorOutage
)

type wordCase struct {
	name        string
	text        string
	matched     bool
	severity    upstat.Severity
	resolves    bool
	maintenance bool
}

func checkVerdict(t *testing.T, c wordCase) {
	t.Helper()
	v := Classify(c.text)
	if v.Matched != c.matched || v.Severity != c.severity || v.Resolves != c.resolves || v.Maintenance != c.maintenance {
		t.Errorf("Classify(%.60q) = {matched %v, %v, resolves %v, maintenance %v} (keywords %q), want {matched %v, %v, resolves %v, maintenance %v}",
			c.text, v.Matched, v.Severity, v.Resolves, v.Maintenance, v.Keywords,
			c.matched, c.severity, c.resolves, c.maintenance)
	}
}

func TestClassify(t *testing.T) {
	cases := []wordCase{
		{"empty", "", false, op, false, false},
		{"no keyword", "We are investigating reports of login problems.", false, op, false, false},
		{"outage", "Major outage of the API", true, maj, false, false},
		{"down", "GitHub is down", true, maj, false, false},
		{"case-insensitive", "API DOWN", true, maj, false, false},
		{"not available", "The dashboard is not available.", true, maj, false, false},
		{"unavailable", "Checkout unavailable in EU", true, maj, false, false},
		{"partial outage beats outage", "Partial outage of webhooks", true, par, false, false},
		{"some users", "Some users cannot log in.", true, par, false, false},
		{"some lowers major", "Some programs are unavailable.", true, par, false, false},
		{"degraded", "Degraded performance for Actions", true, deg, false, false},
		{"slow", "Pages are slow", true, deg, false, false},
		{"slowly", "Pages load slowly", true, deg, false, false},
		{"errors", "Elevated errors on the API", true, deg, false, false},
		{"interruption", "Intervals Service Interruption Update", true, deg, false, false},
		{"timeouts", "Possibly some timeouts", true, deg, false, false},
		{"latency", "Increased latency in us-east-1", true, deg, false, false},
		{"trouble", "The server is having some trouble.", true, deg, false, false},
		{"strongest wins", "Errors and slow responses; the API is down.", true, maj, false, false},
		{"maintenance", "Scheduled maintenance of the database", true, mnt, false, true},
		{"scheduled", "Upgrade scheduled for Sunday", true, mnt, false, true},
		{"maintenance with downtime", "Planned maintenance: the API will be unavailable.", true, maj, false, true},
		{"emergency maintenance is unplanned", "Emergency maintenance on the load balancers", true, deg, false, false},
		{"unscheduled maintenance", "Unscheduled maintenance in progress", true, deg, false, false},
		{"resolved", "This incident has been resolved.", true, op, true, false},
		{"back to normal", "Everything is back to normal.", true, op, true, false},
		{"restored", "Service restored.", true, op, true, false},
		{"fully operational", "All services are fully operational", true, op, true, false},
		{"resolution beside the problem it ends", "The issue causing errors has been resolved.", true, deg, true, false},
		{"maintenance completed", "The scheduled maintenance has been completed.", true, mnt, true, true},

		// Whole words only.
		{"download is not down", "Download the report", false, op, false, false},
		{"downstream is not down", "A downstream provider", false, op, false, false},
		{"terror is not error", "Terror attack on the terrace", false, op, false, false},
		{"slowing down is degraded", "Those are slowing down everything else.", true, deg, false, false},
		{"down to is nothing", "Latency is down to 40ms", true, deg, false, false},
		{"up and running resolves", "The API is up and running", true, op, true, false},

		// Resolution only when the problem is over.
		{"still open", "Rolling restarts have been completed and users are still experiencing errors in parts of the application.", true, deg, false, false},
		{"hedged resolution", "The site is mostly behaving well.", true, deg, false, false},
		{"past problem then resolution", "The site was unstable for five minutes after I changed the configuration and restarted the server. Now it is behaving well again.", true, deg, true, false},
		{"present problem blocks", "The API is restored. Webhooks are delayed.", true, deg, false, false},
		{"but clause blocks", "The site is behaving well, but there is a defect, which affects a few embedded programs.", true, deg, false, false},
		{"future tense is not resolution", "A fix will be deployed; errors continue.", true, deg, false, false},
		{"no errors shadow", "No errors since the fix. Everything is back to normal.", true, op, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkVerdict(t, c) })
	}
}

// TestClassifySeeds reads entries of real pages (the GuidedTrack status
// page, a Statuspage incident, an aggregator's timeline, the Intervals
// post-mortem). Where the page's emoji says otherwise, the emoji is the
// structured signal and wins in the HTML adapter; the words are noted.
func TestClassifySeeds(t *testing.T) {
	cases := []wordCase{
		// guidedtrack-status-page.md, by heading.
		{"gt 2023-07-10 yellow", "The site is mostly behaving well. Only the pages that list answers to questions are slow or timing out. That's because we made a change to the database that had unforeseen side-effects. We've started the procedure that should repair the problem, but that's going to take up to an hour to complete.", true, deg, false, false},
		{"gt 2023-06-01 blue", "The site is behaving well again.\n\nWe thought we had gone through the steps to renew the SSL certificate, but for some reason, our provider was still configured with the old certificate, which expired. We'll figure out what went wrong and make sure it doesn't happen next time.", true, op, true, false},
		{"gt 2023-06-01 red", "The GuidedTrack website (including program pages) is not available due to some issues with our SSL certificate. We're working on it!", true, maj, false, false},
		{"gt 2023-05-23 blue", "The server is stable again.", true, op, true, false},
		{"gt 2023-05-23 yellow", "The server is having some trouble, which results in some programs data not being able to load or to sync their data, and possibly some timeouts. We suspect the connection with the database is poor at the moment but we're still investigating.", true, deg, false, false},
		{"gt 2023-03-12 blue", "The problem has resolved itself. I'll find out how to switch to the backup database in case this kind of problem escalates.", true, op, true, false},
		{"gt 2023-03-12 yellow", "The server is having some trouble, which is causing programs not to load and ‘no internet connection’ warnings. We're working on it.\n\nWhat is happening is that a backend database has many cleanup operations running at once and those are slowing down everything else.", true, deg, false, false},
		// 🟡 on the page; "some programs ... unavailable" reads as partial.
		{"gt 2023-02-27 yellow", "The server is having some trouble, which is causing some programs to be unavailable. We're working on it.", true, par, false, false},
		{"gt 2023-02-23 yellow", "The server is having some trouble, which probably affects a few users. We're working on it.", true, deg, false, false},
		{"gt 2023-01-19 blue", "The DNS problem appears to be fixed. Everything else continues to work normally.", true, op, true, false},
		// 🟡 on the page, but no keyword: only the emoji says so.
		{"gt 2023-01-18 yellow", "The server is up, but there seems to be a problem with DNS. Or it might seem to load forever.", false, op, false, false},
		{"gt 2022-12-08 blue", "The site is behaving well. The problem from the previous entry still exists, but all the embedding pages it affects have been fixed.", true, op, true, false},
		{"gt 2022-10-25 blue", "The site is behaving well. Traffic from the study appears to have subsided.", true, op, true, false},
		{"gt 2022-10-10 yellow perf", "The site is experiencing some performance issues due to a large study, which has been paused.", true, deg, false, false},
		{"gt 2022-10-10 blue", "The site is behaving well. The defect described in the entry from 2022-10-08 is fixed.", true, deg, true, false},
		{"gt 2022-10-10 yellow defect", "The site is behaving well. We have fix for the defect described in the last entry, but not released it yet.\n\nThis status site is now available at <https://status.guidedtrack.com>.", true, deg, false, false},
		{"gt 2022-10-07 blue new relic", "New Relic now reports their service has come back to normal. This means GuidedTrack systems are working as expected.", true, op, true, false},
		{"gt 2022-10-07 yellow new relic", "GuidedTrack is operating well, but our monitoring infrastructure, provided by New Relic, is experiencing service interruptions. This shouldn't directly affect GuidedTrack, but it prevents our team from investigating performance issues, should they arise.", true, deg, false, false},
		{"gt 2022-10-07 yellow to blue", "The site was unstable for five minutes after I changed the configuration and restarted the server. Now it is behaving well again. We're working on something to make server restarts less disruptive.", true, deg, true, false},
		{"gt 2022-10-06 blue", "We've reduced the number of resources back to the usual amount. The site is behaving well.", true, op, true, false},

		// statuspage-incident-report.txt updates.
		{"sp resolved", "Calls and error rates have returned to normal. Marking this as resolved. We will write a full post mortem tomorrow.", true, deg, true, false},
		{"sp investigating", "We are continuing to investigate this issue.", false, op, false, false},
		{"sp post-mortem heading", "Follow up on outage Monday afternoon\n\nWhat happened\n\nAt a high level there were three distinct issues.", true, maj, true, false},
		{"sp monitoring", "Our update has been fixed and calls are returning to normal.", true, op, true, false},

		// thinklink-aggregated-incident.txt updates.
		{"tl investigating", "Some users are reporting getting a generic error message when attempting to manage courses. This appears to be tied to slowness with one of the ThinkLink application's microservices.", true, par, false, false},
		{"tl identified", "Rolling restarts have been completed and users are still experiencing errors in parts of the application. We are continuing to diagnose the issue.", true, deg, false, false},
		{"tl resolved", "The incident has been resolved and ThinkLink has returned to normal functionality. We thank you for your patience while we resolved this issue.", true, op, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkVerdict(t, c) })
	}
}

// intervalsPost is the shape of the Intervals post-mortem (seed
// intervals-blog-post.txt): a past outage narrated after it ended.
const intervalsPost = `Intervals Service Interruption Update

Yesterday we experienced an unexpected service interruption. In the spirit of openness and transparency we wanted to communicate what exactly happened.

What happened?

At approximately 6:00 PM (PDT) on May 28, 2019, our network probes and monitoring systems reported a problem with network availability. While we were working to resolve the issue, connectivity was unavailable for customers. At approximately 12:50 AM (PDT) on May 29, a solution was implemented.

How was the problem resolved?

The source of the problem was emergency maintenance performed by our hosting company, IBM. This emergency maintenance inadvertently caused the load balancer technology we utilize to not perform properly.

During this interruption we were focused on two things: fixing the problem and responding to customer support inquiries as quickly as possible.

We appreciated the patience and understanding extended to us during this interruption in service.`

func TestClassifyIntervalsPostMortem(t *testing.T) {
	checkVerdict(t, wordCase{"intervals", intervalsPost, true, upstat.MajorOutage, true, false})
	// The title alone, as a feed entry title, states an interruption.
	checkVerdict(t, wordCase{"intervals title", "Intervals Service Interruption Update", true, upstat.Degraded, false, false})
	// Without its retrospective headings the title's present-tense
	// "interruption" keeps the text open.
	noHeadings := strings.NewReplacer("What happened?", "", "How was the problem resolved?", "").Replace(intervalsPost)
	checkVerdict(t, wordCase{"intervals without headings", noHeadings, true, upstat.MajorOutage, false, false})
}

func TestClassifyKeywords(t *testing.T) {
	v := Classify("The API is slow. Some users see errors; the API is slow.")
	want := []string{"slow", "some users", "errors"}
	if !slices.Equal(v.Keywords, want) {
		t.Errorf("Keywords = %q, want %q (first appearance, no repeats)", v.Keywords, want)
	}
}

// TestKeywordsTable checks the table's own invariants: every phrase is
// lower-case single-spaced words and appears once, and the Markdown
// rendering lists every phrase.
func TestKeywordsTable(t *testing.T) {
	seen := map[string]bool{}
	md := KeywordTableMarkdown()
	for _, k := range Keywords {
		if k.Phrase != strings.Join(tokenize(k.Phrase), " ") {
			t.Errorf("phrase %q is not normalised lower-case words", k.Phrase)
		}
		if seen[k.Phrase] {
			t.Errorf("phrase %q listed twice", k.Phrase)
		}
		seen[k.Phrase] = true
		if !strings.Contains(md, "| "+k.Phrase+" |") {
			t.Errorf("markdown table lacks %q", k.Phrase)
		}
		if got := Classify(k.Phrase); k.Severity != upstat.Unknown && !slices.Contains(got.Keywords, k.Phrase) {
			t.Errorf("Classify(%q) keywords = %q, want the phrase itself", k.Phrase, got.Keywords)
		}
	}
	for _, spec := range []string{"outage", "down", "not available", "degraded", "slow", "errors", "interruption", "maintenance", "resolved", "back to normal", "behaving well"} {
		if !seen[spec] {
			t.Errorf("SPEC.md keyword %q missing from Keywords", spec)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("The site is mostly behaving well. Only the pages are slow or timing out.")
	f.Add("Partial outage, some users; back to normal.")
	f.Add("up and running but still down")
	f.Fuzz(func(t *testing.T, s string) {
		v := Classify(s)
		if !v.Matched && (v.Severity != upstat.Operational || v.Resolves || v.Maintenance || len(v.Keywords) > 0) {
			t.Fatalf("unmatched verdict carries data: %+v", v)
		}
		if v.Severity < upstat.Operational || v.Severity > upstat.MajorOutage {
			t.Fatalf("severity %v off the scale", v.Severity)
		}
	})
}

// Classify runs for every incident title and update of every full page:
// it must not rebuild the keyword index each time.
func BenchmarkClassify(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Classify("We are investigating elevated error rates on the API. Some customers may see degraded performance.")
	}
}
