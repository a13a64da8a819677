package dashboard

import "time"

// Input is what the store loads for a dashboard: the shipments the query
// may see (already limited to the partner and mode asked for) and the rows
// about them. A dashboard reads only the parts it needs; Needs says which.
type Input struct {
	Now       time.Time
	Roles     map[string]string // partner id → role (supplier, broker, …)
	Policy    Policy
	Shipments []Shipment
	Spans     []Span     // state history of those shipments overlapping the range
	Holds     []Hold     // hold and exam periods of those shipments
	Reviews   []Review   // reviews of those shipments, and partner reviews
	Questions []Question // questions on those shipments asked in the range
	Files     []Files    // per partner: files received in the range
	Window    []Files    // per partner: files received in the governance window ending at To
}

// Needs says which parts of Input a dashboard reads.
type Needs struct {
	// Lean: the shipments' state alone, without profile and milestones.
	Lean                                                     bool
	Parties, Spans, Holds, Reviews, Questions, Files, Window bool
}

// NeedsOf returns what dashboard name reads beyond the shipments.
func NeedsOf(name string) Needs {
	switch name {
	case "portfolio":
		return Needs{Lean: true, Spans: true}
	case "readiness-by-supplier":
		return Needs{Parties: true, Files: true}
	case "broker-response":
		return Needs{Parties: true, Questions: true}
	case "exceptions-by-lane":
		return Needs{Holds: true, Reviews: true}
	case "holds-by-route":
		return Needs{Holds: true}
	case "governance":
		return Needs{Holds: true, Reviews: true, Window: true}
	}
	return Needs{}
}

// Policy is the governance configuration the governance dashboard judges
// by (config block governance).
type Policy struct {
	ThresholdPct     float64       // error rate above which a partner is reviewed
	Window           time.Duration // trailing window of the error rate
	ReviewDue        time.Duration // partner_error_rate reviews are due this long after opening
	ResolutionSLA    time.Duration // any other review is overdue this long after opening
	FinanceThreshold float64       // value at risk per cycle under which finance handles it
}

// Shipment is one shipment's row: its state, profile, milestones and the
// partners party to it.
type Shipment struct {
	ID         int64
	Ref        string
	State      string
	StateSince time.Time
	Created    time.Time
	Profile    Profile
	Rules      []string // rule ids of its current error and warning findings, each once
	Missing    []string // document types its findings ask for now
	ReadyAt    time.Time
	FiledAt    time.Time
	ReleasedAt time.Time
	Parties    []Party
}

// Party is a partner party to a shipment and since when.
type Party struct {
	Partner string
	Why     string // file, outbound, assigned
	Since   time.Time
}

// Span is a stretch of time a shipment spent in one state, as Clearway
// showed it; Until is zero for the current state.
type Span struct {
	Shipment     int64
	State        string
	Since, Until time.Time
}

// Hold is a hold or exam period of a shipment (lifecycle.Period).
type Hold struct {
	Shipment     int64
	Kind         string // hold or exam
	Agency, Code string
	Since, Until time.Time // Until zero while active
}

// Review is one review with what aging needs.
type Review struct {
	ID        int64
	Shipment  int64 // 0 for a partner review
	Kind      string
	Status    string
	Owner     string // the partner whose file or message raised it; "" for Clearway's own checks
	Created   time.Time
	Due       time.Time // zero: created + the resolution SLA
	Decided   time.Time
	Escalated int // steps of notify.escalation it climbed undecided
}

// Question is a question on a shipment and its first answer.
type Question struct {
	ID           int64
	Shipment     int64
	AskedRole    string
	AskedPartner string
	Created      time.Time
	Answers      []Answer // in order
}

// Answer is one answer to a question: when, and for which partner.
type Answer struct {
	At      time.Time
	Partner string // the answering user's partner, "" for staff
}

// Files counts what a partner sent over a window.
type Files struct {
	Partner    string
	Received   int
	Rejected   int
	WithErrors int
}

// firstAnswerBy returns when a user of partner first answered q.
func firstAnswerBy(q Question, partner string) (time.Time, bool) {
	for _, a := range q.Answers {
		if a.Partner == partner {
			return a.At, true
		}
	}
	return time.Time{}, false
}
