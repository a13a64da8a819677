package governance

import (
	"fmt"
	"slices"
)

// How mapping changes go live (config governance.mapping_changes).
const (
	// FourEyes: a second admin or compliance user approves a proposed
	// version before it is written to mappings_dir (the default).
	FourEyes = "four_eyes"
	// Direct: a proposal by an admin goes live at once.
	Direct = "direct"
)

// Decisions on a mapping proposal.
const (
	Approve  = "approve"
	Reject   = "reject"
	Withdraw = "withdraw"
)

// ChangeRoles may propose, approve and reject mapping versions.
var ChangeRoles = []string{"admin", "compliance"}

// MayDecideMapping says whether a user (login, role) may take decision on
// a submitted proposal made by proposer, and if not, why — in words fit to
// show the user.
func MayDecideMapping(policy, proposer, login, role, decision string) error {
	switch decision {
	case Withdraw:
		if login != proposer && role != "admin" {
			return fmt.Errorf("only %s, who proposed it, or an admin may withdraw this proposal", proposer)
		}
		return nil
	case Approve, Reject:
	default:
		return fmt.Errorf("unknown decision %q: approve, reject or withdraw", decision)
	}
	if !slices.Contains(ChangeRoles, role) {
		return fmt.Errorf("only admin and compliance users decide mapping changes (you are %s)", role)
	}
	if login == proposer {
		if decision == Reject {
			return fmt.Errorf("you proposed it: withdraw it instead")
		}
		if policy != Direct {
			return fmt.Errorf("four-eyes rule: a second admin or compliance user must approve a change %s proposed", proposer)
		}
	}
	return nil
}

// MayPropose says whether a user of role may propose a mapping version.
func MayPropose(role string) error {
	if !slices.Contains(ChangeRoles, role) {
		return fmt.Errorf("only admin and compliance users propose mapping changes (you are %s)", role)
	}
	return nil
}
