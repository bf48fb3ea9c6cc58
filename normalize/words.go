package normalize

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/upstat/upstat"
)

// Verdict is what the keyword table reads from free text.
type Verdict struct {
	// Matched is false when no keyword matched: the text carries no severity.
	Matched bool
	// Severity is the strongest severity matched (Operational when the text
	// only says the problem is over). A text that resolves keeps the
	// severity of the problem it narrates ("was unstable ... behaving well
	// again" is Degraded with Resolves).
	Severity upstat.Severity
	// Resolves is true when the text says the problem is over ("resolved",
	// "back to normal", "behaving well", "stable again").
	Resolves bool
	// Maintenance is true when the text announces planned work.
	Maintenance bool
	// Keywords lists the matched keywords, for explaining a decision.
	Keywords []string
}

// Keyword is one row of the documented keyword table.
type Keyword struct {
	// Phrase is one or more lower-case words separated by single spaces.
	// It matches whole words only, case-insensitively ("down" does not
	// match "download"); where phrases overlap the longest wins.
	Phrase string
	// Severity is what the phrase states: a problem level, Maintenance,
	// Operational for words that say the problem is over, or Unknown for a
	// phrase that only shadows a shorter keyword ("slowing down" is not
	// "down").
	Severity upstat.Severity
	// Resolves is true for words that say the problem is over.
	Resolves bool
	// Maintenance is true for words that announce planned work.
	Maintenance bool
	// Retrospective is true for words that mark the text as an account of
	// an incident that is over (a post-mortem): its problem words are read
	// as past, and the text resolves. Resolves is true for these too.
	Retrospective bool
}

func problem(sev upstat.Severity, phrases ...string) []Keyword {
	out := make([]Keyword, len(phrases))
	for i, p := range phrases {
		out[i] = Keyword{Phrase: p, Severity: sev}
	}
	return out
}

func resolving(phrases ...string) []Keyword {
	out := problem(upstat.Operational, phrases...)
	for i := range out {
		out[i].Resolves = true
	}
	return out
}

func maintenance(phrases ...string) []Keyword {
	out := problem(upstat.Maintenance, phrases...)
	for i := range out {
		out[i].Maintenance = true
	}
	return out
}

func retrospective(phrases ...string) []Keyword {
	out := resolving(phrases...)
	for i := range out {
		out[i].Retrospective = true
	}
	return out
}

// Keywords is the documented keyword table Classify reads free text with
// (SPEC.md "words in a title or body"). It is data: the README's table is
// generated from it by KeywordTableMarkdown.
var Keywords = slices.Concat(
	problem(upstat.MajorOutage,
		"outage", "outages", "major outage", "full outage", "complete outage", "total outage",
		"down", "is down", "are down", "went down", "downtime",
		"not available", "unavailable", "not accessible", "inaccessible", "unreachable", "offline",
		"not reachable", "not responding", "unresponsive"),
	problem(upstat.PartialOutage,
		"partial outage", "partial outages", "partial service outage", "partially unavailable",
		"intermittent outage", "some users", "some customers", "subset of users", "subset of customers",
		"disruption", "disruptions", "disrupted", "service disruption"),
	problem(upstat.Degraded,
		"degraded", "degradation", "degraded performance", "performance issues", "performance degradation",
		"slow", "slowly", "slower", "slowness", "slowdown", "slowing down", "slowed down", "slows down",
		"error", "errors", "elevated error rates", "interruption", "interruptions", "interrupted",
		"timeout", "timeouts", "timing out", "timed out", "time out", "latency", "delay", "delays", "delayed",
		"trouble", "unstable", "instability", "intermittent", "intermittently",
		"fail", "fails", "failing", "failed", "failure", "failures", "defect",
		"emergency maintenance", "unplanned maintenance", "unscheduled maintenance"),
	maintenance(
		"maintenance", "scheduled", "scheduled maintenance", "planned maintenance", "maintenance window",
		"scheduled downtime", "planned downtime", "planned work"),
	resolving(
		"resolved", "has been resolved", "back to normal", "returned to normal", "behaving well",
		"behaving normally", "stable again", "restored", "fully restored", "fully operational",
		"operational again", "recovered", "fully recovered", "operating normally", "working normally",
		"work normally", "working as expected", "running fine", "working fine", "is fixed", "been fixed",
		"appears to be fixed", "back online", "up and running", "no further issues",
		"has been completed", "have been completed", "is complete", "is completed",
		"all systems operational"),
	retrospective(
		"post mortem", "postmortem", "post incident review", "post incident report",
		"incident retrospective", "what happened", "what did we learn"),
	// Shadows: phrases that contain a keyword but say nothing.
	problem(upstat.Unknown, "down to", "is down to", "are down to", "scaled down", "scale down", "no errors"),
)

// Clause-level context words. A clause is a stretch of text between
// punctuation, a blank line, or a conjunction ("but", "and", "however").
var (
	// clauseBreaks end a clause when they are not part of a keyword.
	clauseBreaks = wordSet("and", "but", "however", "although", "though", "whereas", "except")
	// pastMarkers mark a problem clause as narrating the past, so that it
	// does not keep a resolution from counting ("the site was unstable").
	pastMarkers = wordSet("was", "were", "had", "experienced", "caused", "during", "earlier",
		"yesterday", "previously", "apologize", "apologise", "apologies")
	// stillMarkers keep a problem open in a clause that also has a
	// resolution word ("restarts completed, users are still seeing errors").
	stillMarkers = wordSet("still", "continue", "continues", "continuing", "persist", "persists", "ongoing")
	// hedges before a resolution word make it a partial recovery, read as
	// Degraded ("mostly behaving well").
	hedges = wordSet("mostly", "partly", "partially", "largely", "somewhat", "almost", "nearly")
	// partialMarkers before a major-outage word in its clause lower it to
	// a partial outage ("some programs are unavailable").
	partialMarkers = wordSet("some", "few", "certain", "several", "parts", "portion", "subset", "minority")
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// keywordIndex maps a phrase's first word to its rows, longest first.
type keywordIndex map[string][]indexedKeyword

type indexedKeyword struct {
	Keyword
	words []string
}

// keywordIdx is Keywords indexed, built once (Classify runs for every
// title and update of every page read in full).
var keywordIdx = sync.OnceValue(func() keywordIndex { return buildIndex(Keywords) })

func buildIndex(table []Keyword) keywordIndex {
	idx := keywordIndex{}
	for _, k := range table {
		words := strings.Fields(k.Phrase)
		idx[words[0]] = append(idx[words[0]], indexedKeyword{k, words})
	}
	for _, rows := range idx {
		slices.SortStableFunc(rows, func(a, b indexedKeyword) int { return len(b.words) - len(a.words) })
	}
	return idx
}

// boundary is the token that separates clauses.
const boundary = "."

// tokenize lower-cases text into words (letters, digits, apostrophes) and
// boundary tokens for clause punctuation and blank lines.
func tokenize(text string) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "’", "'")
	var toks []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			if w := strings.TrimRight(word.String(), "'"); w != "" {
				toks = append(toks, w)
			}
			word.Reset()
		}
	}
	mark := func() {
		flush()
		if len(toks) > 0 && toks[len(toks)-1] != boundary {
			toks = append(toks, boundary)
		}
	}
	prevNewline := false
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (r == '\'' && word.Len() > 0):
			word.WriteRune(unicode.ToLower(r))
		case strings.ContainsRune(".!?;:,()[]—–", r):
			mark()
		case r == '\n' && prevNewline:
			mark()
		default:
			flush()
		}
		if r != ' ' && r != '\t' {
			prevNewline = r == '\n'
		}
	}
	flush()
	return toks
}

// match is one keyword found in the text, with its clause.
type match struct {
	Keyword
	clause int
	// partial is true when a partial marker ("some") came before the
	// keyword in its clause.
	partial bool
}

// clauseFacts is what Classify knows about one clause.
type clauseFacts struct {
	problem, resolution bool
	words               map[string]bool
}

// findMatches scans the tokens for keywords (longest phrase first at each
// position) and splits them into clauses: at boundary tokens and at
// conjunctions that are not part of a keyword ("up and running").
func findMatches(toks []string, idx keywordIndex) ([]match, []clauseFacts) {
	var matches []match
	clauses := []clauseFacts{{words: map[string]bool{}}}
	cur, partial := 0, false
	for i := 0; i < len(toks); {
		if toks[i] == boundary || clauseBreaks[toks[i]] {
			clauses = append(clauses, clauseFacts{words: map[string]bool{}})
			cur++
			i++
			partial = false
			continue
		}
		partial = partial || partialMarkers[toks[i]]
		k, n := longestAt(toks, i, idx)
		if n == 0 {
			clauses[cur].words[toks[i]] = true
			i++
			continue
		}
		if k.Resolves && i > 0 && hedges[toks[i-1]] {
			// "mostly behaving well": a partial recovery.
			k = Keyword{Phrase: toks[i-1] + " " + k.Phrase, Severity: upstat.Degraded}
		}
		if k.Severity != upstat.Unknown || k.Resolves || k.Maintenance {
			matches = append(matches, match{k, cur, partial})
		}
		for _, w := range toks[i : i+n] {
			clauses[cur].words[w] = true
		}
		i += n
	}
	return matches, clauses
}

// longestAt returns the longest keyword starting at toks[i] and its
// length in words (0 when none matches).
func longestAt(toks []string, i int, idx keywordIndex) (Keyword, int) {
	for _, k := range idx[toks[i]] {
		if i+len(k.words) <= len(toks) && slices.Equal(toks[i:i+len(k.words)], k.words) {
			return k.Keyword, len(k.words)
		}
	}
	return Keyword{}, 0
}

func hasAny(words, set map[string]bool) bool {
	for w := range words {
		if set[w] {
			return true
		}
	}
	return false
}

// Classify reads a title or body with the documented keyword table.
//
// Matching is whole-word and case-insensitive; the longest phrase at a
// position wins, and the strongest severity matched is the verdict's.
// Text is read in clauses (split at punctuation, blank lines and
// conjunctions such as "but" and "and"). Resolution words resolve only
// when no clause states a current problem: a clause with a problem word
// and no resolution word keeps the text open unless it narrates the past
// ("was", "were", "during" ...) or the text is a post-mortem ("what
// happened", "postmortem"), and "still" keeps a problem open even
// beside a resolution word. A resolution word hedged by "mostly",
// "partly" ... counts as Degraded; a major-outage word in a clause that
// says "some", "few", "parts" ... before it counts as a partial outage. Negations
// ("no outage") are out of scope: the table only shadows a few fixed
// phrases ("no errors").
func Classify(text string) Verdict {
	matches, clauses := findMatches(tokenize(text), keywordIdx())
	v := Verdict{Severity: upstat.Operational}
	retro := false
	for _, m := range matches {
		retro = retro || m.Retrospective
		sev := m.Severity
		if sev == upstat.MajorOutage && m.partial {
			sev = upstat.PartialOutage
		}
		v.Matched = true
		v.Severity = upstat.Worse(v.Severity, sev)
		v.Maintenance = v.Maintenance || m.Maintenance
		if !slices.Contains(v.Keywords, m.Phrase) {
			v.Keywords = append(v.Keywords, m.Phrase)
		}
		clauses[m.clause].problem = clauses[m.clause].problem || sev >= upstat.Degraded
		clauses[m.clause].resolution = clauses[m.clause].resolution || m.Resolves
	}
	resolved, open := false, false
	for _, c := range clauses {
		still := c.problem && hasAny(c.words, stillMarkers)
		switch {
		case c.resolution && !still:
			resolved = true
		case c.problem && (still || !retro && !hasAny(c.words, pastMarkers)):
			open = true
		}
	}
	v.Resolves = resolved && !open
	return v
}

// KeywordTableMarkdown renders Keywords as a Markdown table (phrase,
// severity, effect), in table order, for the README.
func KeywordTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| phrase | severity | effect |\n|---|---|---|\n")
	for _, k := range Keywords {
		sev, effect := k.Severity.String(), ""
		switch {
		case k.Retrospective:
			sev, effect = "", "resolves: marks a post-mortem"
		case k.Resolves:
			sev, effect = "", "resolves"
		case k.Maintenance:
			effect = "planned work"
		case k.Severity == upstat.Unknown:
			sev, effect = "", "ignored (shadows a shorter keyword)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", k.Phrase, sev, effect)
	}
	return b.String()
}
