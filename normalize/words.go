package normalize

import "github.com/upstat/upstat"

// Verdict is what the keyword table reads from free text.
type Verdict struct {
	// Matched is false when no keyword matched: the text carries no severity.
	Matched bool
	// Severity is the strongest severity matched (Operational when the text
	// only says the problem is over).
	Severity upstat.Severity
	// Resolves is true when the text says the problem is over ("resolved",
	// "back to normal", "behaving well", "stable again").
	Resolves bool
	// Maintenance is true when the text announces planned work.
	Maintenance bool
	// Keywords lists the matched keywords, for explaining a decision.
	Keywords []string
}

// Classify reads a title or body with the documented keyword table.
//
// STUB: replaced by the full keyword table.
func Classify(text string) Verdict { return Verdict{} }
